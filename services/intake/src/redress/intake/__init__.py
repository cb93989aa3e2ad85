"""Redress intake: grievances from every channel, anonymous receipts."""

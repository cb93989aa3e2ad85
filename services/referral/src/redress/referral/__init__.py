"""Redress referral: consent-gated referral to national referral mechanisms and NGO partners."""

"""Redress cases: triage and the remediation process."""

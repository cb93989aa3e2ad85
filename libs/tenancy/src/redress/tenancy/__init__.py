"""Tenancy: who an MSI is and how it is set up, decided by a pure domain that every service uses."""

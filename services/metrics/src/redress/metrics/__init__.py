"""Redress metrics: public, anonymised statistics on the mechanism."""

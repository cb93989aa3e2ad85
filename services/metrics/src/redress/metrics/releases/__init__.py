"""Signed releases of a tenant's figures: the domain, the document and the handlers."""

"""Synthetic tenants for figures, tests and benchmarks (not part of the image).

The generator drives the services' own handlers, domains and policies, so the events are
those production writes; it alone may import several services, as the tests do.
"""

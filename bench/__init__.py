"""Benchmarks of the event log: append, relay and projection replay, against baselines.

Run with `python -m bench` (or `make bench`). Each measurement gets a fresh database on
embedded servers (or on those named by REDRESS_DATABASE_URL / REDRESS_NATS_URL); the figures
are printed as a table and written to bench/results/.
"""

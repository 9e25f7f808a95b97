"""Benchmarks (make bench-*); a package so bench/analytics.py is not taken for the analytics app."""

"""Probes: small checks run every 30 seconds whose failures become downtime and incidents."""

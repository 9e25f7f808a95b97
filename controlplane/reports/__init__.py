"""The monthly availability report per client (REQ 6.2.2-6.2.5), as PDF and CSV."""

"""Every write of the security app, each one audited in the same transaction."""

"""Every write of the control plane, with its rules and its audit record (one module per area)."""

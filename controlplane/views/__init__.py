"""HTML screens of the control plane: operators' (public host), the public status page, and the
client-side availability reports (tenant host)."""

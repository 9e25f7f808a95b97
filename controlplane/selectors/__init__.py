"""Reads of the control plane (one module per area)."""

from controlplane.selectors.tenants import tenant_list_all_tenants

__all__ = ["tenant_list_all_tenants"]

"""What a client whose contract ended may still do (REQ 6.2.15).

For at least 30 days after the contract ends the client's environment is read-only: its people
sign in, read and download; nothing can be written or sent. The request side is enforced by
`controlplane.middleware.ReadOnlyTenantMiddleware`; services that write, and every task that
sends, call `ensure_writable()` first, so no door (screen, API, flow, worker) is forgotten:

    from tenants.guards import ensure_writable
    ensure_writable()          # inside the tenant's schema; raises TenantReadOnly

The message pipeline asks `inbound_refusal(tenant)` before serving an inbound message: when it
returns a text, the citizen is answered with it and the message is not served.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from tenants.models import Tenant, TenantStatus

CLOSED_STATUSES = frozenset({TenantStatus.READ_ONLY, TenantStatus.ARCHIVED})


class TenantReadOnly(Exception):
    """A write was attempted in a client whose contract has ended."""

    status_code = 423

    def __init__(self, message: str | None = None) -> None:
        self.message = message or read_only_message()
        super().__init__(self.message)


def read_only_message() -> str:
    return _(
        "O contrato deste órgão foi encerrado e o ambiente está em modo somente leitura: é "
        "possível entrar, consultar e baixar relatórios, mas nada pode ser alterado nem enviado."
    )


def default_inbound_notice() -> str:
    return _(
        "Este canal de atendimento foi encerrado e as mensagens não são mais atendidas por aqui. "
        "Procure os canais oficiais do órgão."
    )


def _status_of(tenant: object | None) -> str | None:
    if tenant is None:
        return None
    status = getattr(tenant, "status", None)
    if status is not None:
        return str(status)
    # django-tenants' schema_context() carries a stand-in without our fields: read the row.
    schema_name = getattr(tenant, "schema_name", None)
    if not schema_name or schema_name == settings.PUBLIC_SCHEMA_NAME:
        return None
    return Tenant.objects.filter(schema_name=schema_name).values_list("status", flat=True).first()


def tenant_is_writable(tenant: object | None = None) -> bool:
    """Whether `tenant` (by default the one the connection is in) accepts writes."""
    target = tenant if tenant is not None else getattr(connection, "tenant", None)
    return _status_of(target) not in CLOSED_STATUSES


def ensure_writable(tenant: object | None = None) -> None:
    """Raises TenantReadOnly when the client (default: the current schema's) is read-only."""
    if not tenant_is_writable(tenant):
        raise TenantReadOnly()


def inbound_refusal(tenant: Tenant) -> str | None:
    """The notice to answer an inbound message with, or None when it should be served."""
    if _status_of(tenant) not in CLOSED_STATUSES:
        return None
    from controlplane.models import ContractClosure

    closure = ContractClosure.objects.filter(tenant_id=tenant.pk).first()
    if closure is not None and closure.inbound_notice.strip():
        return closure.inbound_notice
    return default_inbound_notice()

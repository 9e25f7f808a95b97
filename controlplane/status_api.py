"""The status page as JSON, on the public API (`/api/status`), and subscriptions by API.

No authentication: it is the same public information as the HTML page, from the same snapshot.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import EmailStr

from controlplane.errors import SubscriptionError
from controlplane.selectors.status import snapshot_dict, status_snapshot
from controlplane.services.subscriptions import (
    subscription_email_request,
    subscription_webhook_create,
)
from core.api import ErrorOut
from security.actors import Actor

router = Router(tags=["status"])


class MonthOut(Schema):
    month: str
    availability_percent: str
    downtime_minutes: str
    maintenance_minutes: str
    is_closed: bool


class DayOut(Schema):
    date: str
    state: str
    downtime_minutes: str
    maintenance_minutes: str


class ProbeOut(Schema):
    key: str
    label: str
    outcome: str | None
    checked_at: str | None


class ComponentOut(Schema):
    key: str
    name: str
    description: str
    critical: bool
    state: str
    state_label: str
    probes: list[ProbeOut]
    months: list[MonthOut]
    days: list[DayOut]


class UpdateOut(Schema):
    status: str
    status_label: str
    message: str
    posted_at: str


class IncidentOut(Schema):
    id: int
    title: str
    impact: str
    impact_label: str
    status: str
    status_label: str
    components: list[str]
    started_at: str
    resolved_at: str | None
    updates: list[UpdateOut]


class MaintenanceOut(Schema):
    id: int
    title: str
    description: str
    status: str
    status_label: str
    components: list[str]
    scheduled_start: str
    scheduled_end: str
    announced_at: str
    started_at: str | None
    completed_at: str | None


class IncidentsOut(Schema):
    active: list[IncidentOut]
    recent: list[IncidentOut]


class MaintenanceListsOut(Schema):
    active: list[MaintenanceOut]
    upcoming: list[MaintenanceOut]
    past: list[MaintenanceOut]


class SlaOut(Schema):
    target_percent: str
    monthly_cap_minutes: str
    maintenance_counts_as_downtime: bool


class PlatformOut(Schema):
    months: list[MonthOut]


class StatusOut(Schema):
    generated_at: str
    timezone: str
    state: str
    state_label: str
    sla: SlaOut
    platform: PlatformOut
    components: list[ComponentOut]
    incidents: IncidentsOut
    maintenance: MaintenanceListsOut


class SubscriptionIn(Schema):
    kind: Literal["email", "webhook"]
    email: EmailStr | None = None
    url: str | None = None


class SubscriptionOut(Schema):
    detail: str
    kind: str
    url: str | None = None
    secret: str | None = None


@router.get("/status", auth=None, response=StatusOut, summary="Situação atual da plataforma")
def status(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """Componentes, barras dos últimos 90 dias, disponibilidade mensal (manutenção programada
    conta como indisponibilidade, cláusula 6.2.5), incidentes e manutenções. Valores decimais
    vêm como texto, exatos; horários em ISO 8601."""
    response["Cache-Control"] = "public, max-age=30"
    return snapshot_dict(status_snapshot())


@router.post(
    "/status/subscriptions",
    auth=None,
    response={201: SubscriptionOut, 202: SubscriptionOut, 400: ErrorOut},
    summary="Inscrever-se nos avisos de incidentes e manutenções",
)
def subscribe(request: HttpRequest, payload: SubscriptionIn) -> Status[dict[str, Any]]:
    """E-mail: enviamos um link de confirmação (dupla confirmação). Webhook: devolvemos o
    segredo uma única vez; cada aviso é um POST JSON assinado com HMAC-SHA256 no cabeçalho
    `X-Status-Signature` (`sha256=<hex>` de `<X-Status-Timestamp>.<corpo>`)."""
    try:
        return _subscribe(Actor.from_request(request, via="api"), payload)
    except SubscriptionError as error:
        return Status(400, {"detail": error.message, "field": error.field})


def _subscribe(actor: Actor, payload: SubscriptionIn) -> Status[dict[str, Any]]:
    if payload.kind == "email":
        if not payload.email:
            raise SubscriptionError(_("Informe o e-mail."), field="email")
        subscription_email_request(actor=actor, email=str(payload.email))
        return Status(
            202,
            {
                "detail": _("Enviamos um link de confirmação para o e-mail informado."),
                "kind": "email",
            },
        )
    if not payload.url:
        raise SubscriptionError(_("Informe o endereço do webhook."), field="url")
    subscription = subscription_webhook_create(actor=actor, url=payload.url)
    return Status(
        201,
        {
            "detail": _(
                "Webhook registrado; ele fica ativo quando responder 2xx ao aviso de verificação."
            ),
            "kind": "webhook",
            "url": subscription.url,
            "secret": subscription.secret,
        },
    )

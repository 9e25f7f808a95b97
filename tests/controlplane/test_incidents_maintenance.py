"""Operators publish incidents through their states and schedule maintenance with 2 business
days' notice (REQ 6.2.5, 6.2.9); only operators reach these screens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from controlplane.errors import IncidentError, MaintenanceNoticeTooShort
from controlplane.models import (
    Downtime,
    Incident,
    IncidentImpact,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    StatusSubscription,
    SubscriptionKind,
)
from controlplane.services.incidents import incident_open, incident_update
from controlplane.services.maintenance import maintenance_advance, maintenance_schedule
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant

from .conftest import sp

pytestmark = pytest.mark.django_db
ACTOR = Actor.command("tests")


def schedule(announced: datetime, start: datetime, **overrides: Any) -> Maintenance:
    fields: dict[str, Any] = {
        "actor": ACTOR,
        "title": "Atualização do banco",
        "description": "Troca de versão.",
        "components": ["web", "api"],
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "now": announced,
    }
    fields.update(overrides)
    return maintenance_schedule(**fields)


@pytest.mark.req("6.2.5")
@pytest.mark.parametrize(
    ("announced", "start", "allowed"),
    [
        # Wednesday → Thursday and Friday lie between: Saturday is the earliest start.
        (sp(2026, 6, 10, 10), sp(2026, 6, 13, 0), True),
        (sp(2026, 6, 10, 10), sp(2026, 6, 12, 22), False),
        # Corpus Christi (Thursday 4 June 2026) is not a business day: Tuesday → Saturday needs
        # Wednesday and Friday, so Friday night is too early.
        (sp(2026, 6, 2, 9), sp(2026, 6, 5, 23), False),
        (sp(2026, 6, 2, 9), sp(2026, 6, 6, 0), True),
        # Carnaval 2027 (Monday 8 and Tuesday 9 February): announced Friday 5, Monday 8 to
        # Wednesday 10 have no business day between; the earliest start is Friday 12.
        (sp(2027, 2, 5, 18), sp(2027, 2, 11, 23, 59), False),
        (sp(2027, 2, 5, 18), sp(2027, 2, 12, 0), True),
        # Long weekend of Tiradentes (Wednesday 21 April 2027): announced Monday 19, Tuesday
        # and Thursday lie between, so Friday 23 is allowed and Thursday 22 is not.
        (sp(2027, 4, 19, 9), sp(2027, 4, 22, 8), False),
        (sp(2027, 4, 19, 9), sp(2027, 4, 23, 8), True),
    ],
)
def test_notice_rule(announced: datetime, start: datetime, allowed: bool) -> None:
    if allowed:
        assert schedule(announced, start).announced_at == announced
    else:
        with pytest.raises(MaintenanceNoticeTooShort):
            schedule(announced, start)
        assert Maintenance.objects.count() == 0


@pytest.mark.req("6.2.5")
def test_refusal_says_why_and_when_it_could_start() -> None:
    with pytest.raises(MaintenanceNoticeTooShort) as refused:
        schedule(sp(2027, 2, 5, 18), sp(2027, 2, 10, 2))

    assert "2 dias úteis" in refused.value.message
    assert "Carnaval" in refused.value.message
    assert "12 de Fevereiro de 2027" in refused.value.message
    assert refused.value.field == "starts_at"


@pytest.mark.req("6.2.5")
def test_operator_screen_refuses_short_notice_with_the_message(operator_client: Client) -> None:
    start = timezone.localtime() + timedelta(days=1)

    response = operator_client.post(
        "/controle/manutencoes/nova/",
        {
            "title": "Troca de disco",
            "description": "Troca do disco do banco.",
            "components": ["web"],
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert response.status_code == 200
    assert "pelo menos 2 dias úteis de antecedência" in response.content.decode()
    assert Maintenance.objects.count() == 0


@pytest.mark.req("6.2.5")
def test_maintenance_window_opens_and_closes_downtime_on_its_own() -> None:
    maintenance = schedule(sp(2026, 6, 10, 10), sp(2026, 6, 13, 0))

    assert maintenance_advance(now=sp(2026, 6, 12, 23)) == (0, 0)
    assert maintenance_advance(now=sp(2026, 6, 13, 0, 5)) == (1, 0)
    assert sorted(
        Downtime.objects.filter(maintenance=maintenance).values_list(
            "component", "started_at", "is_maintenance"
        )
    ) == [("api", sp(2026, 6, 13, 0), True), ("web", sp(2026, 6, 13, 0), True)]
    assert maintenance_advance(now=sp(2026, 6, 13, 1, 2)) == (0, 1)

    maintenance.refresh_from_db()
    assert maintenance.status == MaintenanceStatus.COMPLETED
    assert set(
        Downtime.objects.filter(maintenance=maintenance).values_list("ended_at", flat=True)
    ) == {sp(2026, 6, 13, 1)}


@pytest.mark.req("6.2.9")
def test_incident_lifecycle_records_downtime_and_public_timeline(
    minutes_ago: Callable[[float], datetime], django_capture_on_commit_callbacks: Any
) -> None:
    StatusSubscription.objects.create(
        kind=SubscriptionKind.EMAIL, email="auditor@alfa.gov.br", confirmed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_open(
            actor=ACTOR,
            title="Envio pelo WhatsApp falhando",
            impact=IncidentImpact.OUTAGE,
            components=["channel.whatsapp"],
            message="Estamos investigando.",
            started_at=minutes_ago(40),
        )
    for status in (IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING):
        incident_update(actor=ACTOR, incident=incident, status=status, message=f"Agora: {status}")
    incident_update(
        actor=ACTOR,
        incident=incident,
        status=IncidentStatus.RESOLVED,
        message="Normalizado.",
        resolved_at=minutes_ago(5),
    )

    downtime = Downtime.objects.get(incident=incident)
    assert (downtime.started_at, downtime.ended_at) == (minutes_ago(40), minutes_ago(5))
    assert [u.status for u in incident.updates.order_by("posted_at", "id")] == [
        "investigating",
        "identified",
        "monitoring",
        "resolved",
    ]
    with pytest.raises(IncidentError):
        incident_update(
            actor=ACTOR, incident=incident, status=IncidentStatus.MONITORING, message="de novo"
        )
    assert (
        AuditEntry.objects.filter(
            action__startswith="incident.", object_id=str(incident.pk)
        ).count()
        == 4
    )
    assert [message.to for message in mail.outbox] == [["auditor@alfa.gov.br"]]
    assert "Envio pelo WhatsApp falhando" in mail.outbox[0].subject
    assert "/status/inscricao/cancelar/" in mail.outbox[0].body


def test_degraded_incident_records_no_downtime() -> None:
    incident_open(
        actor=ACTOR,
        title="Lentidão",
        impact=IncidentImpact.DEGRADED,
        components=["web"],
        message="Páginas lentas.",
    )

    assert Downtime.objects.count() == 0


@audits_route("public:controlplane:incident_new", "public:controlplane:incident_detail")
def test_operator_opens_and_updates_an_incident_through_the_screens(
    operator_client: Client,
) -> None:
    response = operator_client.post(
        "/controle/incidentes/novo/",
        {
            "title": "API fora do ar",
            "impact": "outage",
            "components": ["api"],
            "message": "Investigando.",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/controle/incidentes/{incident.pk}/"

    operator_client.post(
        f"/controle/incidentes/{incident.pk}/", {"status": "resolved", "message": "Resolvido."}
    )

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert Downtime.objects.get(incident=incident).ended_at == incident.resolved_at
    assert list(
        AuditEntry.objects.filter(object_id=str(incident.pk), action__startswith="incident.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["incident.open", "incident.update"]


OPERATOR_PAGES = [
    "/controle/incidentes/",
    "/controle/incidentes/novo/",
    "/controle/manutencoes/",
    "/controle/manutencoes/nova/",
    "/controle/indisponibilidades/",
    "/controle/painel/",
    "/controle/painel/dados/",
    "/controle/backups/",
    "/controle/clientes/alfa/",
    "/controle/clientes/alfa/disponibilidade/2026/10/",
    "/controle/clientes/alfa/disponibilidade/2026/10/csv/",
]


@pytest.mark.req("6.2.13")
@pytest.mark.parametrize("path", OPERATOR_PAGES)
def test_operator_screens_need_an_operator(path: str, tenant_alfa: Tenant) -> None:
    anonymous = Client(HTTP_HOST=settings.BASE_DOMAIN)
    staff_less = User.objects.create_user(
        "cliente@provedor.test", "Senha-de-Teste-2026", full_name="Não operador"
    )
    plain = Client(HTTP_HOST=settings.BASE_DOMAIN)
    plain.force_login(staff_less)
    operator = User.objects.create_superuser(
        "op2@provedor.test", "Senha-de-Teste-2026", full_name="Operador"
    )
    allowed = Client(HTTP_HOST=settings.BASE_DOMAIN)
    allowed.force_login(operator)

    assert anonymous.get(path).status_code == 302
    assert plain.get(path).status_code == 403
    assert allowed.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/controle/incidentes/", "/controle/painel/"])
def test_tenant_users_never_reach_operator_screens(
    path: str,
    tenant_alfa: Tenant,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)

    assert client_for(tenant_alfa, admin).get(path).status_code == 404


def test_operator_posts_are_refused_to_non_operators() -> None:
    plain_user = User.objects.create_user("x@provedor.test", "Senha-de-Teste-2026", full_name="X")
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(plain_user)

    response = client.post(
        "/controle/incidentes/novo/",
        {"title": "t", "impact": "outage", "components": ["api"], "message": "m"},
    )

    assert response.status_code == 403
    assert Incident.objects.count() == 0

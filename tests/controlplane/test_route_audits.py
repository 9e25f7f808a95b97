"""The operators' and the public's writes on the control plane each leave an audit entry
(REQ 6.2.18): one test per route, driven through the route itself (security/route_audit.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from controlplane.business_days import earliest_maintenance_start
from controlplane.models import (
    Backup,
    BackupStatus,
    ContractClosure,
    DowntimeExclusion,
    Maintenance,
    MaintenanceStatus,
    StatusSubscription,
)
from controlplane.services.downtime import downtime_exclude_for_tenant
from controlplane.services.lifecycle import tenant_contract_end
from controlplane.services.subscriptions import unsubscribe_url
from core.timezones import SAO_PAULO
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant, TenantStatus

from .conftest import sp

pytestmark = pytest.mark.django_db
ACTOR = Actor.command("tests")
FIREWALL = "O firewall da prefeitura bloqueou o nosso endereço durante a janela."


@pytest.fixture
def actions(db: None) -> Callable[[], list[str]]:
    """The public schema's audit actions written since the test began, oldest first."""
    start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def written() -> list[str]:
        entries = AuditEntry.objects.filter(id__gt=start).order_by("id")
        return list(entries.values_list("action", flat=True))

    return written


@audits_route("public:controlplane:exclusion_revoke")
def test_operator_revokes_a_client_caused_exclusion(
    operator_client: Client,
    operator: Any,
    record_downtime: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    downtime = record_downtime("api", sp(2026, 10, 1, 8), sp(2026, 10, 1, 9))
    exclusion = downtime_exclude_for_tenant(
        actor=ACTOR, downtime=downtime, tenant=tenant_alfa, justification=FIREWALL
    )

    response = operator_client.post(f"/controle/exclusoes/{exclusion.pk}/remover/")

    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="downtime.exclusion_revoke").get()
    assert entry.actor_label == operator.email
    assert entry.before == {"tenant": "alfa", "justification": FIREWALL}
    assert not DowntimeExclusion.objects.filter(pk=exclusion.pk).exists()


def _maintenance_form() -> dict[str, Any]:
    day = earliest_maintenance_start(timezone.now()) + timedelta(days=1)
    start = datetime.combine(day, time(2, 0), tzinfo=SAO_PAULO)
    return {
        "title": "Atualização do PostgreSQL",
        "description": "Troca de versão do banco de dados.",
        "components": ["web", "api"],
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }


@pytest.mark.req("6.2.5")
@audits_route("public:controlplane:maintenance_new")
def test_operator_schedules_maintenance_with_enough_notice(
    operator_client: Client, actions: Callable[[], list[str]]
) -> None:
    response = operator_client.post("/controle/manutencoes/nova/", _maintenance_form())

    assert response.status_code == 302
    maintenance = Maintenance.objects.get()
    assert maintenance.status == MaintenanceStatus.SCHEDULED
    assert actions() == ["maintenance.schedule"]


@pytest.mark.req("6.2.5")
@audits_route("public:controlplane:maintenance_action")
def test_operator_starts_completes_and_cancels_maintenance(
    operator_client: Client, actions: Callable[[], list[str]]
) -> None:
    operator_client.post("/controle/manutencoes/nova/", _maintenance_form())
    operator_client.post("/controle/manutencoes/nova/", _maintenance_form())
    first, second = Maintenance.objects.order_by("pk")

    for path in (
        f"/controle/manutencoes/{first.pk}/iniciar/",
        f"/controle/manutencoes/{first.pk}/concluir/",
        f"/controle/manutencoes/{second.pk}/cancelar/",
    ):
        assert operator_client.post(path).status_code == 302
    unknown = operator_client.post(f"/controle/manutencoes/{second.pk}/apagar/")

    assert unknown.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (
        MaintenanceStatus.COMPLETED,
        MaintenanceStatus.CANCELLED,
    )
    assert actions() == [
        "maintenance.schedule",
        "maintenance.schedule",
        "maintenance.start",
        "maintenance.complete",
        "maintenance.cancel",
    ]


@pytest.mark.req("6.2.15")
@audits_route("public:controlplane:tenant_archive")
def test_operator_archives_after_the_read_only_period(
    operator_client: Client, tenant_alfa: Tenant, actions: Callable[[], list[str]]
) -> None:
    tenant_contract_end(actor=ACTOR, tenant=tenant_alfa, reason="Fim da vigência")
    ContractClosure.objects.filter(tenant=tenant_alfa).update(
        read_only_until=timezone.now() - timedelta(minutes=1)
    )
    Backup.objects.create(
        schema_name="alfa",
        tenant=tenant_alfa,
        started_at=timezone.now(),
        status=BackupStatus.SUCCEEDED,
    )

    response = operator_client.post("/controle/clientes/alfa/arquivar/")

    assert response.status_code == 302
    tenant_alfa.refresh_from_db()
    assert tenant_alfa.status == TenantStatus.ARCHIVED
    assert actions()[-1] == "tenant.archive"


@pytest.mark.req("6.2.14")
@audits_route("public:controlplane:tenant_backup")
def test_operator_asks_for_a_backup_now(
    operator_client: Client,
    operator: Any,
    tenant_alfa: Tenant,
    backup_settings: Path,
    django_capture_on_commit_callbacks: Any,
    actions: Callable[[], list[str]],
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = operator_client.post("/controle/clientes/alfa/backup/")

    assert response.status_code == 302
    assert len(callbacks) == 1  # the dump runs in a worker, after the request's commit
    request = AuditEntry.objects.get(action="backup.request")
    assert (request.actor_label, request.object_repr) == (operator.email, str(tenant_alfa))
    backup = Backup.objects.get(tenant=tenant_alfa)
    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    assert actions() == ["backup.request", "backup.create"]


@pytest.mark.req("6.2.9")
@audits_route("public:status:subscription_cancel")
def test_subscriber_cancels_with_the_link_and_no_address_stays_in_the_audit(
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
    actions: Callable[[], list[str]],
) -> None:
    start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):
        public_client.post("/status/inscricao/", {"kind": "email", "email": "cidada@exemplo.org"})
    subscription = StatusSubscription.objects.get()
    path = unsubscribe_url(subscription).split("8000", 1)[-1]

    assert public_client.get(path).status_code == 200  # the link shows a button, nothing more
    assert StatusSubscription.objects.count() == 1
    response = public_client.post(path)

    assert response.status_code == 200
    assert StatusSubscription.objects.count() == 0
    assert actions() == ["status.subscription.request", "status.subscription.cancel"]
    for entry in AuditEntry.objects.filter(id__gt=start):
        assert entry.actor_label == "anônimo"
        assert entry.object_repr == f"email #{subscription.pk}"
        assert "cidada@exemplo.org" not in str(entry.before) + str(entry.after)
    assert len(mail.outbox) == 1


READ_ONLY_ROUTES = [
    "public:controlplane:downtime_index",
    "public:controlplane:incident_list",
    "public:controlplane:maintenance_list",
    "public:controlplane:tenant_list",
    "public:controlplane:tenant_detail",
    "public:controlplane:tenant_availability",
    "public:controlplane:tenant_availability_download",
    "public:controlplane:dashboard",
    "public:controlplane:dashboard_figures",
    "public:controlplane:backup_list",
    "public:status:page",
    "public:status:feed",
    "tenant:tenant_reports:availability_months",
    "tenant:tenant_reports:availability_month",
    "tenant:tenant_reports:availability_download",
]


def test_screens_that_only_show_refuse_writes() -> None:
    from security.route_audit import all_routes

    routes = {route.id: route for route in all_routes()}

    get_only = {
        "public:controlplane:dashboard",
        "public:controlplane:dashboard_figures",
        "public:controlplane:backup_list",
        "public:status:page",
    }
    assert {route: routes[route].methods for route in READ_ONLY_ROUTES} == {
        route: frozenset({"GET"}) if route in get_only else frozenset({"GET", "HEAD"})
        for route in READ_ONLY_ROUTES
    }
    assert not any(routes[route].state_changing for route in READ_ONLY_ROUTES)


@pytest.mark.parametrize(
    "path",
    [
        "/controle/clientes/",
        "/controle/clientes/alfa/",
        "/controle/incidentes/",
        "/controle/manutencoes/",
        "/controle/indisponibilidades/",
        "/controle/clientes/alfa/disponibilidade/2026/10/csv/",
    ],
)
def test_operator_read_only_screens_answer_405_to_a_post(
    operator_client: Client, tenant_alfa: Tenant, path: str
) -> None:
    before = AuditEntry.objects.count()

    assert operator_client.post(path).status_code == 405
    assert operator_client.get(path).status_code == 200
    assert AuditEntry.objects.count() == before


def test_the_status_feed_answers_405_to_a_post(public_client: Client) -> None:
    assert public_client.post("/status/feed.atom").status_code == 405
    assert public_client.get("/status/feed.atom").status_code == 200

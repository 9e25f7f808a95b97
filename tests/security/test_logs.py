"""The access log (6.2.17) and the audit log (6.2.18, 6.5.23.15): what is recorded, the
screens with filters, CSV/XLSX export, and the tamper-evident chain (`audit_verify`)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from accounts.roles import Role
from security import clock
from security.actors import Actor
from security.audit import audit_chain_verify, audit_record
from security.models import AccessEvent, AuditEntry
from tenants.models import Tenant
from tests.conftest import PASSWORD, MakeUser
from tests.security.conftest import browser, login_post

ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)


@pytest.mark.req("6.2.17")
def test_login_logout_and_failure_are_logged_with_ip_and_device(
    tenant_alfa: Tenant, make_user: MakeUser
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    phone = browser(tenant_alfa, ip="198.51.100.8", agent=ANDROID)

    login_post(phone, agent.email.upper(), "errada")
    login_post(phone, agent.email, PASSWORD)
    phone.post("/conta/sair/")

    with schema_context(tenant_alfa.schema_name):
        events = list(
            AccessEvent.objects.order_by("id").values(
                "kind", "user_id", "username", "ip", "browser", "operating_system", "device"
            )
        )
    device = {
        "ip": "198.51.100.8",
        "browser": "Chrome Mobile 124",
        "operating_system": "Android 14",
        "device": "Samsung SM-A546E",
    }
    assert events == [
        {"kind": "falha", "user_id": None, "username": agent.email, **device},
        {"kind": "entrada", "user_id": agent.pk, "username": agent.email, **device},
        {"kind": "saida", "user_id": agent.pk, "username": agent.email, **device},
    ]


@pytest.mark.req("6.2.17")
def test_access_log_screen_filters_and_exports(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    auditor = make_user(tenant_alfa, Role.AUDITOR)
    agent = make_user(tenant_alfa, Role.AGENT)
    login_post(browser(tenant_alfa, ip="198.51.100.8"), agent.email, "errada")
    login_post(browser(tenant_alfa, ip="198.51.100.9"), agent.email, PASSWORD)
    client = client_for(tenant_alfa, auditor)
    today = clock.local_now().date()

    failures = client.get("/seguranca/acessos/", {"kind": "falha", "user": agent.email})
    yesterday = client.get("/seguranca/acessos/", {"end": (today - timedelta(days=1)).isoformat()})
    csv = client.get("/seguranca/acessos/", {"kind": "falha", "formato": "csv"})
    xlsx = client.get("/seguranca/acessos/", {"ip": "198.51.100.9", "formato": "xlsx"})

    assert failures.status_code == 200
    assert "198.51.100.8" in failures.content.decode()
    assert "198.51.100.9" not in failures.content.decode()
    assert "Nenhum acesso no período." in yesterday.content.decode()
    assert csv["Content-Disposition"] == 'attachment; filename="log-de-acessos.csv"'
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "data e hora;evento;usuário;IP;navegador;sistema operacional;"
        "dispositivo;agente do navegador;detalhe"
    )
    assert [line.split(";")[1:4] for line in lines[1:]] == [
        ["Falha de login", agent.email, "198.51.100.8"]
    ]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("data e hora", "evento", "usuário", "IP")
    assert [row[1:4] for row in rows[1:]] == [("Entrada", agent.email, "198.51.100.9")]
    with schema_context(tenant_alfa.schema_name):
        assert list(
            AuditEntry.objects.filter(action="access_log.export").values_list(
                "after__formato", "after__linhas"
            )
        ) == [("csv", 1), ("xlsx", 1)]


@pytest.mark.req("6.2.17")
@pytest.mark.req("6.2.18")
@pytest.mark.parametrize("path", ["/seguranca/acessos/", "/seguranca/auditoria/"])
def test_logs_need_the_view_audit_log_capability(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any, path: str
) -> None:
    supervisor = make_user(tenant_alfa, Role.SUPERVISOR)
    assert client_for(tenant_alfa, supervisor).get(path).status_code == 403
    assert client_for(tenant_alfa).get(path).status_code == 302


@pytest.mark.req("6.2.18")
@pytest.mark.req("6.5.23.15")
def test_audit_log_screen_filters_by_user_action_object_and_period(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    auditor = make_user(tenant_alfa, Role.AUDITOR)
    with schema_context(tenant_alfa.schema_name):
        ana = Actor(user_id=901, label="ana@alfa.gov.br", via="web", ip="198.51.100.1")
        bruno = Actor(user_id=902, label="bruno@alfa.gov.br", via="api", ip="198.51.100.2")
        audit_record(
            actor=ana,
            action="channel.create",
            object_type="channels.channel",
            object_id="11",
            object_repr="WhatsApp da Ouvidoria",
            after={"name": "wa"},
        )
        audit_record(
            actor=bruno,
            action="channel.update",
            object_type="channels.channel",
            object_id="11",
            object_repr="WhatsApp da Ouvidoria",
            before={"name": "wa"},
            after={"name": "WhatsApp"},
        )
        audit_record(
            actor=bruno,
            action="team.delete",
            object_type="desk.team",
            object_id="4",
            object_repr="Equipe Saúde",
            before={"name": "Saúde"},
        )
    client = client_for(tenant_alfa, auditor)
    today = clock.local_now().date().isoformat()
    tomorrow = (clock.local_now().date() + timedelta(days=1)).isoformat()

    def shown(**filters: str) -> list[str]:
        page = client.get("/seguranca/auditoria/", filters).content.decode()
        return [
            action
            for action in ("channel.create", "channel.update", "team.delete")
            if f"<td>{action}</td>" in page
        ]

    assert shown(user="bruno") == ["channel.update", "team.delete"]
    assert shown(action="channel.") == ["channel.create", "channel.update"]
    assert shown(object_type="desk.team") == ["team.delete"]
    assert shown(object_type="channels.channel", object_id="11") == [
        "channel.create",
        "channel.update",
    ]
    assert shown(start=today, end=today) == ["channel.create", "channel.update", "team.delete"]
    assert shown(start=tomorrow) == []

    xlsx = client.get("/seguranca/auditoria/", {"user": "bruno", "formato": "xlsx"})
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][:8] == (
        "data e hora",
        "usuário",
        "origem",
        "ação",
        "tipo de objeto",
        "id do objeto",
        "objeto",
        "antes",
    )
    assert [row[1:7] for row in rows[1:]] == [
        ("bruno@alfa.gov.br", "api", "team.delete", "desk.team", "4", "Equipe Saúde"),
        (
            "bruno@alfa.gov.br",
            "api",
            "channel.update",
            "channels.channel",
            "11",
            "WhatsApp da Ouvidoria",
        ),
    ]
    assert rows[2][7] == '{"name": "wa"}'


def seed_chain(schema: str, count: int = 3) -> list[AuditEntry]:
    with schema_context(schema):
        return [
            audit_record(
                actor=Actor.command("tests"),
                action=f"test.step{n}",
                object_type="test",
                object_id=str(n),
            )
            for n in range(count)
        ]


@pytest.mark.req("6.2.18")
@pytest.mark.req("6.5.23.15")
def test_audit_verify_passes_on_intact_chains(tenant_alfa: Tenant, tenant_beta: Tenant) -> None:
    seed_chain(tenant_alfa.schema_name)
    out = io.StringIO()

    call_command("audit_verify", stdout=out)

    report = out.getvalue()
    for schema in (
        settings.PUBLIC_SCHEMA_NAME,
        "template",
        tenant_alfa.schema_name,
        tenant_beta.schema_name,
    ):
        assert f"{schema}: " in report
    assert "QUEBRADA" not in report


@pytest.mark.req("6.2.18")
@pytest.mark.req("6.5.23.15")
def test_an_edited_audit_row_is_detected(tenant_alfa: Tenant) -> None:
    entries = seed_chain(tenant_alfa.schema_name)
    edited = entries[1]
    with schema_context(tenant_alfa.schema_name), connection.cursor() as cursor:
        # What someone with database access would do to hide an action.
        cursor.execute(
            "UPDATE security_auditentry SET action = %s WHERE id = %s", ["test.harmless", edited.pk]
        )
        report = audit_chain_verify()
    out = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", stdout=out)

    assert report.broken_at == edited.pk
    assert failure.value.returncode == 1
    assert f"{tenant_alfa.schema_name}: cadeia QUEBRADA no registro {edited.pk}" in out.getvalue()
    assert f"cadeia de auditoria quebrada em: {tenant_alfa.schema_name}" == str(failure.value)


@pytest.mark.req("6.2.18")
@pytest.mark.req("6.5.23.15")
def test_a_deleted_row_in_the_public_schema_is_detected(tenant_alfa: Tenant) -> None:
    entries = seed_chain(settings.PUBLIC_SCHEMA_NAME)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM security_auditentry WHERE id = %s", [entries[1].pk])
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=out)

    assert f"public: cadeia QUEBRADA no registro {entries[2].pk}" in out.getvalue()
    assert f"{tenant_alfa.schema_name}: " in out.getvalue()

"""Consumption (6.5.46), storage (6.5.47) and statements (6.6.4) on screens and in the API:
who may see them (capability `view_billing`: the tenant's administrators and auditors, not
supervisors nor agents), what they show, and the operator's screens. Denied cases change
nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from billing.models import Contract, PriceSchedule, Statement
from billing.services import storage_usage_adjust, storage_usage_set
from billing.services.rollups import rollups_refresh
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.billing.conftest import Close, Meter, sp
from tests.conftest import MakeUser, host_of

pytestmark = pytest.mark.django_db

WHO = ["anonymous", "other_tenant", Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR]


@pytest.fixture
def january(tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter, close: Close) -> Statement:
    meter(tenant_alfa, "a", sp(2026, 1, 5))
    meter(
        tenant_alfa,
        "b",
        sp(2026, 1, 6),
        kind="template",
        origin="system",
        agent_id=None,
        agent_name="",
    )
    return close(tenant_alfa, date(2026, 1, 1))


@pytest.fixture
def browser(
    request: pytest.FixtureRequest,
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    client_for: Callable[..., Client],
) -> Client:
    who = request.param
    if who == "anonymous":
        return client_for(tenant_alfa)
    if who == "other_tenant":
        client = client_for(tenant_beta, make_user(tenant_beta, Role.ADMIN))
        client.defaults["HTTP_HOST"] = host_of(tenant_alfa)
        return client
    return client_for(tenant_alfa, make_user(tenant_alfa, who))


@pytest.fixture
def api(
    request: pytest.FixtureRequest,
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
) -> Client:
    who = request.param
    client = Client(HTTP_HOST=host_of(tenant_alfa))
    if who == "anonymous":
        return client
    owner = tenant_beta if who == "other_tenant" else tenant_alfa
    role = Role.ADMIN if who == "other_tenant" else who
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(owner, make_user(owner, role))}"
    return client


def downloads_audited(tenant: Tenant) -> int:
    with schema_context(tenant.schema_name):
        return AuditEntry.objects.filter(action="billing.statement.download").count()


def statement_state(statement: Statement) -> tuple[str, str, bytes]:
    fresh = Statement.objects.get(pk=statement.pk)
    return fresh.content_hash, fresh.content, bytes(fresh.pdf)


def test_only_administrators_and_auditors_have_the_billing_capability() -> None:
    from accounts.roles import ROLE_PERMISSIONS

    assert {role for role, codes in ROLE_PERMISSIONS.items() if "view_billing" in codes} == {
        Role.ADMIN,
        Role.AUDITOR,
    }


SCREEN_MATRIX = [
    ("anonymous", 302),
    ("other_tenant", 302),
    (Role.AGENT, 403),
    (Role.SUPERVISOR, 403),
    (Role.ADMIN, 200),
    (Role.AUDITOR, 200),
]
API_MATRIX = [
    ("anonymous", 401),
    ("other_tenant", 401),
    (Role.AGENT, 403),
    (Role.SUPERVISOR, 403),
    (Role.ADMIN, 200),
    (Role.AUDITOR, 200),
]


@pytest.mark.req("6.6.4")
@pytest.mark.parametrize(("browser", "expected"), SCREEN_MATRIX, indirect=["browser"])
@pytest.mark.parametrize("fmt", ["pdf", "csv", "xlsx"])
def test_statement_download_screen_matrix(
    browser: Client, expected: int, fmt: str, january: Statement, tenant_alfa: Tenant
) -> None:
    before = statement_state(january)

    response = browser.get(f"/consumo/extratos/2026-01/extrato.{fmt}")

    assert response.status_code == expected
    assert statement_state(january) == before
    if expected == 200:
        stored = {"pdf": before[2], "csv": bytes(january.csv), "xlsx": bytes(january.xlsx)}
        assert bytes(response.content) == stored[fmt]  # the stored document, byte for byte
        assert response["Content-Disposition"] == (
            f'attachment; filename="extrato-alfa-2026-01.{fmt}"'
        )
        assert downloads_audited(tenant_alfa) == 1
    else:
        assert downloads_audited(tenant_alfa) == 0
    if expected == 302:
        assert "/entrar/" in response["Location"] or "login" in response["Location"]


@pytest.mark.req("6.6.4")
@pytest.mark.parametrize(("browser", "expected"), SCREEN_MATRIX, indirect=["browser"])
def test_consumption_and_statement_screens_matrix(
    browser: Client, expected: int, january: Statement, tenant_alfa: Tenant
) -> None:
    before = statement_state(january)

    responses = [
        browser.get("/consumo/"),
        browser.get("/consumo/?periodo=2026-01"),
        browser.get("/consumo/extratos/"),
        browser.get("/consumo/extratos/2026-02/extrato.pdf"),  # an open period's preview
    ]

    assert [response.status_code for response in responses] == [expected] * 4
    assert statement_state(january) == before
    assert Statement.objects.filter(tenant=tenant_alfa).count() == 1
    if expected == 200:
        assert january.content_hash[:14] in responses[2].content.decode()
        assert downloads_audited(tenant_alfa) == 1  # the preview
    else:
        assert downloads_audited(tenant_alfa) == 0


def test_the_navigation_offers_consumption_only_to_those_who_may_see_it(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Callable[..., Client]
) -> None:
    def nav_has_consumption(role: str) -> bool:
        page = client_for(tenant_alfa, make_user(tenant_alfa, role)).get("/")
        return 'href="/consumo/"' in page.content.decode()

    assert [nav_has_consumption(role) for role in (Role.AGENT, Role.SUPERVISOR)] == [False, False]
    assert [nav_has_consumption(role) for role in (Role.ADMIN, Role.AUDITOR)] == [True, True]


@pytest.mark.req("6.6.4")
@pytest.mark.parametrize(("api", "expected"), API_MATRIX, indirect=["api"])
def test_statement_download_api_matrix(
    api: Client, expected: int, january: Statement, tenant_alfa: Tenant
) -> None:
    before = statement_state(january)

    responses = {
        fmt: api.get(f"/api/billing/statements/2026-01/{fmt}") for fmt in ("pdf", "csv", "xlsx")
    }

    assert {fmt: response.status_code for fmt, response in responses.items()} == {
        "pdf": expected,
        "csv": expected,
        "xlsx": expected,
    }
    assert statement_state(january) == before
    if expected == 200:
        workbook = load_workbook(io.BytesIO(responses["xlsx"].content))
        summary = {row[0]: row[1] for row in workbook["Resumo"].iter_rows(values_only=True)}
        assert summary["Hash de verificação"] == january.content_hash
        assert bytes(responses["pdf"].content) == bytes(january.pdf)
        assert bytes(responses["csv"].content) == bytes(january.csv)
        assert downloads_audited(tenant_alfa) == 3
    else:
        assert downloads_audited(tenant_alfa) == 0


@pytest.mark.req("6.5.46")
@pytest.mark.req("6.5.47")
@pytest.mark.parametrize(("api", "expected"), API_MATRIX, indirect=["api"])
def test_statement_list_and_consumption_api_matrix(
    api: Client, expected: int, january: Statement, tenant_alfa: Tenant
) -> None:
    before = statement_state(january)

    responses = [
        api.get("/api/billing/statements"),
        api.get("/api/billing/statements/2026-01"),
        api.get("/api/billing/consumption?period=2026-01"),
        api.get("/api/billing/storage"),
    ]

    assert [response.status_code for response in responses] == [expected] * 4
    assert statement_state(january) == before
    assert downloads_audited(tenant_alfa) == 0
    if expected == 200:
        assert [row["period"] for row in responses[0].json() if row["closed"]] == ["2026-01"]
        assert responses[1].json()["content_hash"] == january.content_hash
        assert responses[2].json()["sent"] == 2


@pytest.mark.req("6.6.4.1")
def test_the_api_lists_statements_and_shows_one(
    january: Statement,
    tenant_alfa: Tenant,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
) -> None:
    token = token_for(tenant_alfa, make_user(tenant_alfa, Role.AUDITOR))
    client = Client(HTTP_HOST=host_of(tenant_alfa), HTTP_AUTHORIZATION=f"Bearer {token}")

    listing = client.get("/api/billing/statements").json()
    closed = [row for row in listing if row["closed"]]
    assert [
        (row["period"], row["billed_quantity"], row["total_billed"], row["content_hash"])
        for row in closed
    ] == [("2026-01", 2, "0.40", january.content_hash)]
    assert closed[0]["downloads"]["pdf"] == "/api/billing/statements/2026-01/pdf"
    # Every month after the last closed one, to the current, is listed as an open preview.
    assert all(not row["closed"] for row in listing[:-1])

    detail = client.get("/api/billing/statements/2026-01").json()
    assert detail["closed"] is True
    assert detail["content_hash"] == january.content_hash
    assert detail["total_billed"] == "0.40"
    assert detail["total_exact"] == "0.3978"
    assert [line["unit_price"] for line in detail["lines"]] == ["0.0457", "0.3521"]
    assert client.get("/api/billing/statements/2024-01").status_code == 404
    assert client.get("/api/billing/statements/janeiro").status_code == 400
    assert client.get("/api/billing/statements/2026-01/docx").status_code == 404


@pytest.mark.req("6.5.46.1")
@pytest.mark.req("6.5.46.2")
@pytest.mark.req("6.5.46.3")
@pytest.mark.req("6.5.46.4")
@pytest.mark.req("6.5.46.5")
@pytest.mark.req("6.5.46.6")
@pytest.mark.req("6.5.46.7")
@pytest.mark.req("6.5.46.8")
def test_monthly_consumption_in_the_api_and_on_the_screen(
    tenant_alfa: Tenant,
    contract_alfa: Contract,
    meter: Meter,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
    client_for: Callable[..., Client],
) -> None:
    for n in range(3):
        meter(tenant_alfa, f"ana-out{n}", sp(2026, 4, 2), agent_id=7, agent_name="Ana Souza")
    meter(tenant_alfa, "bia-out", sp(2026, 4, 2), agent_id=8, agent_name="Bia Lima")
    for n in range(4):
        meter(
            tenant_alfa,
            f"ana-in{n}",
            sp(2026, 4, 3),
            direction="inbound",
            origin="contact",
            agent_id=7,
            agent_name="Ana Souza",
        )
    meter(
        tenant_alfa,
        "queue-in",
        sp(2026, 4, 3),
        direction="inbound",
        origin="contact",
        agent_id=None,
        agent_name="",
    )
    meter(
        tenant_alfa,
        "admin-out",
        sp(2026, 4, 4),
        origin="admin",
        agent_id=1,
        agent_name="Admin Alfa",
        kind="template",
    )
    meter(tenant_alfa, "bot-out", sp(2026, 4, 4), origin="bot", agent_id=None, agent_name="")
    meter(
        tenant_alfa,
        "sys-out",
        sp(2026, 4, 4),
        origin="system",
        agent_id=None,
        agent_name="",
        kind="template",
        channel="telegram",
    )
    meter(tenant_alfa, "march", sp(2026, 3, 30))  # another month
    rollups_refresh()

    token = token_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    api = Client(HTTP_HOST=host_of(tenant_alfa), HTTP_AUTHORIZATION=f"Bearer {token}")
    data = api.get("/api/billing/consumption?period=2026-04").json()

    assert data["contracted"] == 1_000_000  # 6.5.46.1
    assert data["term_used"] == 13  # with March's one
    assert data["sent"] == 7  # 6.5.46.2
    assert data["received"] == 5  # 6.5.46.3
    assert data["sent_and_received"] == 12  # 6.5.46.4
    assert data["received_per_agent"] == [  # 6.5.46.5
        {"agent_id": 7, "agent_name": "Ana Souza", "quantity": 4},
        {"agent_id": None, "agent_name": "", "quantity": 1},
    ]
    assert data["sent_per_agent"] == [  # 6.5.46.6
        {"agent_id": 7, "agent_name": "Ana Souza", "quantity": 3},
        {"agent_id": 8, "agent_name": "Bia Lima", "quantity": 1},
    ]
    assert data["sent_by_admins"] == 1  # 6.5.46.7
    assert data["sent_per_admin"] == [{"agent_id": 1, "agent_name": "Admin Alfa", "quantity": 1}]
    assert data["sent_by_system"] == 2  # 6.5.46.8
    assert data["template_sent"] == 2
    assert data["per_channel"] == [
        {"channel": "telegram", "sent": 1, "received": 0},
        {"channel": "whatsapp", "sent": 6, "received": 5},
    ]

    page = client_for(tenant_alfa, make_user(tenant_alfa, Role.AUDITOR)).get(
        "/consumo/?periodo=2026-04"
    )
    assert page.status_code == 200
    html = page.content.decode()
    for text in (
        "Contratadas (vigência inteira)",
        "1.000.000",
        "Enviadas por agente",
        "Recebidas por agente",
        "Enviadas pelos administradores",
        "Enviadas pelo sistema (robôs e automáticas)",
        "Ana Souza",
        "Bia Lima",
        "Sem agente (robô ou fila)",
        "Enviadas e recebidas",
    ):
        assert text in html


@pytest.mark.req("6.5.47.1")
@pytest.mark.req("6.5.47.2")
@pytest.mark.req("6.5.47.3")
@pytest.mark.req("6.5.47.4")
def test_storage_limit_use_and_media_types(
    tenant_alfa: Tenant,
    contract_alfa: Contract,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
    client_for: Callable[..., Client],
) -> None:
    storage_usage_set(tenant=tenant_alfa, media_type="image", bytes_used=2_000_000_000)
    storage_usage_adjust(tenant=tenant_alfa, media_type="video", delta_bytes=7_500_000_000)
    storage_usage_adjust(tenant=tenant_alfa, media_type="video", delta_bytes=-500_000_000)
    storage_usage_adjust(tenant=tenant_alfa, media_type="audio", delta_bytes=-10)  # not below 0
    storage_usage_adjust(tenant=tenant_alfa, media_type="document", delta_bytes=1_000_000_000)

    token = token_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    data = (
        Client(HTTP_HOST=host_of(tenant_alfa), HTTP_AUTHORIZATION=f"Bearer {token}")
        .get("/api/billing/storage")
        .json()
    )

    assert data == {
        "limit_bytes": 50_000_000_000,
        "used_bytes": 10_000_000_000,
        "available_bytes": 40_000_000_000,
        "exceeded": False,
        "by_media": [
            {"media_type": "image", "bytes_used": 2_000_000_000},
            {"media_type": "video", "bytes_used": 7_000_000_000},
            {"media_type": "audio", "bytes_used": 0},
            {"media_type": "document", "bytes_used": 1_000_000_000},
        ],
    }
    html = (
        client_for(tenant_alfa, make_user(tenant_alfa, Role.AUDITOR))
        .get("/consumo/")
        .content.decode()
    )
    for text in (
        "Limite contratado",
        "50,0 GB",
        "Em uso",
        "10,0 GB",
        "Disponível",
        "40,0 GB",
        "Imagem",
        "Vídeo",
        "7,0 GB",
        "Áudio",
        "Documento",
        "14,0%",
    ):
        assert text in html


# --- Operator (public host) ---------------------------------------------------------------


def public_client(user: User | None = None) -> Client:
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.req("6.6.2")
def test_operators_see_every_client_against_its_contract(
    operator_client: Client,
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    contract_alfa: Contract,
    meter: Meter,
) -> None:
    meter(tenant_alfa, "x", sp(2026, 11, 2))
    rollups_refresh()

    page = operator_client.get("/faturamento/?periodo=2026-11")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Prefeitura Municipal de Alfa" in html and "Prefeitura Municipal de Beta" in html
    assert "Contrato nº 042/2026" in html and "sem contrato" in html

    rows = operator_client.get("/api/billing/consumption?period=2026-11").json()
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["alfa"]["contracted"] == 1_000_000
    assert by_slug["alfa"]["month_sent"] == 1
    assert by_slug["alfa"]["term_used"] == 1
    assert by_slug["beta"]["contracted"] is None
    # One client in the detail its own auditors see.
    alfa = operator_client.get("/api/billing/tenants/alfa/consumption?period=2026-11").json()
    assert (alfa["period"], alfa["sent"], alfa["received"], alfa["contracted"]) == (
        "2026-11",
        1,
        0,
        1_000_000,
    )
    assert alfa["sent_per_agent"] == [{"agent_id": 7, "agent_name": "Ana Souza", "quantity": 1}]
    beta = operator_client.get("/api/billing/tenants/beta/consumption?period=2026-11").json()
    assert (beta["sent"], beta["contracted"]) == (0, None)
    assert operator_client.get("/api/billing/tenants/gama/consumption").status_code == 404


def test_only_operators_reach_the_operator_screens_and_api(
    db: None,
    tenant_alfa: Tenant,
    contract_alfa: Contract,
) -> None:
    staffless = User.objects.create_user(
        "visitante@provedor.test", "Senha-de-Teste-2026", full_name="Visitante"
    )
    assert public_client().get("/faturamento/").status_code == 302
    assert public_client(staffless).get("/faturamento/").status_code == 403
    assert public_client(staffless).get("/faturamento/clientes/alfa/contrato/").status_code == 403
    response = public_client(staffless).post(
        "/faturamento/clientes/alfa/precos/",
        {"effective_from": "2026-06-01", "session_price": "9,9999", "template_price": "9,9999"},
    )
    assert response.status_code == 403
    assert PriceSchedule.objects.filter(contract=contract_alfa).count() == 1
    assert public_client(staffless).get("/api/billing/consumption").status_code == 403
    assert public_client().get("/api/billing/consumption").status_code == 401
    assert public_client(staffless).get("/api/billing/tenants/alfa/consumption").status_code == 403
    assert public_client().get("/api/billing/tenants/alfa/consumption").status_code == 401


def test_tenant_tokens_do_not_reach_the_operators_api(
    tenant_alfa: Tenant,
    contract_alfa: Contract,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
) -> None:
    token = token_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    on_tenant_host = Client(HTTP_HOST=host_of(tenant_alfa), HTTP_AUTHORIZATION=f"Bearer {token}")
    on_public_host = Client(HTTP_HOST=settings.BASE_DOMAIN, HTTP_AUTHORIZATION=f"Bearer {token}")

    assert on_tenant_host.get("/api/billing/tenants/alfa/consumption").status_code == 404
    assert on_tenant_host.get("/api/billing/tenants/beta/statements").status_code == 404
    # A tenant's token is not valid on the provider's host.
    assert on_public_host.get("/api/billing/consumption").status_code == 401
    assert on_public_host.get("/api/billing/tenants/beta/statements").status_code == 401


@audits_route("public:billing_ops:contract", "public:billing_ops:price_add")
def test_the_operator_records_a_contract_and_a_price_change(
    operator_client: Client,
    tenant_beta: Tenant,
) -> None:
    form = {
        "reference": "Contrato 7/2026",
        "term_start": "2026-02-01",
        "term_end": "2027-01-31",
        "contracted_messages": "250000",
        "storage_quota_gb": "20",
        "invoicing": "stripe",
        "overage_policy": "refuse_templates",
        "billing_email": "fin@beta.gov.br",
        "session_price": "0,0457",
        "template_price": "0,3521",
    }
    response = operator_client.post("/faturamento/clientes/beta/contrato/", form)
    assert response.status_code == 302

    contract = Contract.objects.get(tenant=tenant_beta)
    assert (contract.contracted_messages, contract.storage_quota_bytes) == (250_000, 20 * 10**9)
    assert contract.prices.get().session_price == Decimal("0.0457")
    tenant_beta.refresh_from_db()
    assert tenant_beta.contract_start == date(2026, 2, 1)
    created = AuditEntry.objects.get(action="billing.contract.create")
    assert created.actor_label == "operador@provedor.test"

    response = operator_client.post(
        "/faturamento/clientes/beta/precos/",
        {"effective_from": "2026-08-01", "session_price": "0,0480", "template_price": "0,3600"},
    )
    assert response.status_code == 302
    assert list(contract.prices.values_list("effective_from", "session_price")) == [
        (date(2026, 2, 1), Decimal("0.0457")),
        (date(2026, 8, 1), Decimal("0.0480")),
    ]
    price_set = AuditEntry.objects.get(action="billing.price.set")
    assert (price_set.actor_label, (price_set.after or {})["session_price"]) == (
        "operador@provedor.test",
        "0.0480",
    )
    page = operator_client.get("/faturamento/clientes/beta/contrato/").content.decode()
    assert "R$ 0,0480" in page and "R$ 0,3600" in page

    # Bad input: a clear message and nothing changes.
    response = operator_client.post(
        "/faturamento/clientes/beta/precos/",
        {"effective_from": "2026-09-01", "session_price": "0,04571", "template_price": "1"},
        follow=True,
    )
    assert "casas decimais" in response.content.decode() or "dígitos" in response.content.decode()
    assert contract.prices.count() == 2


def test_a_closed_period_price_change_from_the_screen_is_refused_and_audited(
    operator_client: Client,
    tenant_alfa: Tenant,
    january: Statement,
) -> None:
    response = operator_client.post(
        "/faturamento/clientes/alfa/precos/",
        {"effective_from": "2026-01-10", "session_price": "0,0100", "template_price": "0,0100"},
        follow=True,
    )

    assert "01/2026 está fechado" in response.content.decode()
    assert PriceSchedule.objects.filter(contract__tenant=tenant_alfa).count() == 1
    denied = AuditEntry.objects.get(action="billing.closed_period.denied")
    assert denied.actor_label == "operador@provedor.test" and denied.via == "web"
    assert json.loads(Statement.objects.get(pk=january.pk).content)["total_billed"] == "0.40"


def test_operators_download_any_clients_statement(
    operator_client: Client,
    january: Statement,
) -> None:
    response = operator_client.get("/faturamento/clientes/alfa/extratos/2026-01/extrato.csv")
    assert response.status_code == 200
    assert bytes(response.content) == bytes(january.csv)
    page = operator_client.get("/faturamento/clientes/alfa/extratos/").content.decode()
    assert january.content_hash[:14] in page
    api = operator_client.get("/api/billing/tenants/alfa/statements/2026-01/pdf")
    assert api.status_code == 200 and bytes(api.content) == bytes(january.pdf)


@audits_route("public:billing_ops:price_remove")
def test_the_operator_removes_a_price_change_on_the_screen(
    operator_client: Client,
    tenant_alfa: Tenant,
    contract_alfa: Contract,
    meter: Meter,
) -> None:
    operator_client.post(
        "/faturamento/clientes/alfa/precos/",
        {"effective_from": "2026-12-01", "session_price": "0,0500", "template_price": "0,4000"},
    )
    meter(tenant_alfa, "dec", sp(2026, 12, 3))

    response = operator_client.post("/faturamento/clientes/alfa/precos/2026-12-01/remover/")

    assert response.status_code == 302
    assert list(contract_alfa.prices.values_list("effective_from", flat=True)) == [date(2026, 1, 1)]
    removed = AuditEntry.objects.get(action="billing.price.remove")
    assert removed.actor_label == "operador@provedor.test"
    assert (removed.before or {})["session_price"] == "0.0500"
    assert removed.after == {"repriced_records": 1}
    # The first price of the term cannot be removed: a clear message, nothing changes.
    response = operator_client.post(
        "/faturamento/clientes/alfa/precos/2026-01-01/remover/", follow=True
    )
    assert "O preço inicial do contrato não pode ser removido." in response.content.decode()
    assert contract_alfa.prices.count() == 1
    assert AuditEntry.objects.filter(action="billing.price.remove").count() == 1

"""The contacts screens (6.5.38, 6.5.39, 6.5.40, 6.5.58.11, 6.5.58.18): who reaches what,
search and filters, masking on screen and in exports, consent changes and the import flow
with its column mapping, each state-changing route audited."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from desk.models import (
    Contact,
    ContactIdentity,
    ContactImport,
    ContactTeamAccess,
    ImportStatus,
)
from privacy.models import ConsentEvent, ConsentMethod, ConsentState, ConsentStatus
from routing.models import TeamMembership
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.conftest import host_of
from tests.contacts.conftest import CPF, CPF_DIGITS, EMAIL, PHONE, Directory, csv_bytes

pytestmark = pytest.mark.django_db

MakeUser = Callable[..., User]
ClientFor = Callable[..., Client]

MASKED_PHONE = "(**) *****-****"
MASKED_CPF = "***.***.***-**"


def _consents(tenant: Tenant) -> list[tuple[int, int, str]]:
    with schema_context(tenant.schema_name):
        return list(
            ConsentState.objects.order_by("id").values_list("contact_id", "channel_id", "status")
        )


# --- authorization matrix ----------------------------------------------------------------------

READS = ["/contatos/", "/contatos/{maria}/"]
EXPORTS = ["/contatos/exportar.csv", "/contatos/exportar.xlsx"]
IMPORTS = ["/contatos/importar/"]


@pytest.mark.parametrize(
    ("role", "reads", "exports", "imports"),
    [
        (None, 302, 302, 302),
        (Role.AUDITOR, 403, 403, 403),
        (Role.AGENT, 200, 403, 403),
        (Role.SUPERVISOR, 200, 200, 403),
        (Role.ADMIN, 200, 200, 200),
    ],
)
def test_authorization_matrix_of_the_screens(
    tenant_alfa: Tenant,
    directory: Directory,
    make_user: MakeUser,
    client_for: ClientFor,
    role: str | None,
    reads: int,
    exports: int,
    imports: int,
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, role) if role else None)
    expected = {
        **dict.fromkeys(READS, reads),
        **dict.fromkeys(EXPORTS, exports),
        **dict.fromkeys(IMPORTS, imports),
    }
    got = {path: client.get(path.format(maria=directory.maria.pk)).status_code for path in expected}
    assert got == expected


@pytest.mark.parametrize("role", [None, Role.AUDITOR, Role.AGENT, Role.SUPERVISOR])
def test_only_an_admin_changes_consent_or_imports(
    tenant_alfa: Tenant,
    directory: Directory,
    make_user: MakeUser,
    client_for: ClientFor,
    role: str | None,
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, role) if role else None)
    denied = 302 if role is None else 403

    consent = client.post(
        f"/contatos/{directory.maria.pk}/consentimento",
        {"channel": directory.portal.pk, "status": ConsentStatus.OPT_OUT},
    )
    upload = client.post(
        "/contatos/importar/",
        {"file": io.BytesIO(csv_bytes([["telefone"], ["11987654321"]]))},
    )

    assert (consent.status_code, upload.status_code) == (denied, denied)
    assert _consents(tenant_alfa) == []
    with schema_context(tenant_alfa.schema_name):
        assert ContactImport.objects.count() == 0


def test_another_tenant_sees_none_of_these_contacts(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    directory: Directory,
    make_user: MakeUser,
    client_for: ClientFor,
) -> None:
    client = client_for(tenant_beta, make_user(tenant_beta, Role.ADMIN))

    listing = client.get("/contatos/")
    detail = client.get(f"/contatos/{directory.maria.pk}/")
    exported = client.get("/contatos/exportar.csv")
    consent = client.post(
        f"/contatos/{directory.maria.pk}/consentimento",
        {"channel": directory.portal.pk, "status": ConsentStatus.OPT_OUT},
    )

    assert listing.status_code == 200
    assert b"Maria" not in listing.content
    assert "0 contatos encontrados" in listing.content.decode()
    assert detail.status_code == 404
    assert b"Maria" not in exported.content
    assert consent.status_code == 404
    assert _consents(tenant_alfa) == []


# --- list, search, filters, masking ------------------------------------------------------------


@pytest.mark.req("6.5.58.18")
@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("maria", ["Maria da Silva"]),
        ("SOUZA", ["João Souza"]),
        ("(11) 98765-4321", ["Maria da Silva"]),
        ("21 91234", ["João Souza"]),
        ("55 21", ["João Souza"]),
        ("ninguém", []),
    ],
)
def test_an_agent_searches_by_name_or_phone(
    tenant_alfa: Tenant,
    directory: Directory,
    make_user: MakeUser,
    client_for: ClientFor,
    query: str,
    names: list[str],
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.AGENT))

    response = client.get("/contatos/", {"q": query})

    assert [row.contact.name for row in response.context["rows"]] == names


@pytest.mark.req("6.5.38")
@pytest.mark.req("6.5.58.11")
def test_the_list_is_filtered_by_channel_and_paginated(
    tenant_alfa: Tenant,
    directory: Directory,
    make_user: MakeUser,
    client_for: ClientFor,
) -> None:
    with schema_context(tenant_alfa.schema_name):
        for number in range(55):
            Contact.objects.create(
                name=f"Zeca {number:02d}", phone="", created_at=directory.maria.created_at
            )
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.SUPERVISOR))

    on_app = client.get("/contatos/", {"channel": directory.app.pk})
    first = client.get("/contatos/")
    last = client.get("/contatos/", {"pagina": 2})

    assert [row.contact.name for row in on_app.context["rows"]] == ["João Souza"]
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.count == 57
    assert [row.contact.name for row in last.context["rows"]] == [
        f"Zeca {number:02d}" for number in range(48, 55)
    ]
    assert 'href="?pagina=2"' in first.content.decode()


@pytest.mark.req("6.5.38")
def test_an_agent_sees_masked_values_and_an_admin_the_real_ones(
    tenant_alfa: Tenant, directory: Directory, make_user: MakeUser, client_for: ClientFor
) -> None:
    agent_page = client_for(tenant_alfa, make_user(tenant_alfa, Role.AGENT)).get("/contatos/")
    admin_page = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN)).get("/contatos/")

    body = agent_page.content.decode()
    for secret in (PHONE, EMAIL, CPF_DIGITS, CPF, "98765-4321"):
        assert secret not in body
    assert MASKED_PHONE in body
    assert MASKED_CPF in body
    assert "m***@***" in body
    admin_body = admin_page.content.decode()
    assert PHONE in admin_body
    assert EMAIL in admin_body
    assert CPF_DIGITS in admin_body


@pytest.mark.req("6.5.37.9")
def test_an_agent_outside_the_team_does_not_see_its_exclusive_contacts(
    tenant_alfa: Tenant,
    directory: Directory,
    make_user: MakeUser,
    client_for: ClientFor,
    token_for: Callable[[Tenant, User], str],
) -> None:
    member = make_user(tenant_alfa, Role.AGENT)
    outsider = make_user(tenant_alfa, Role.AGENT)
    with schema_context(tenant_alfa.schema_name):
        TeamMembership.objects.create(team=directory.team, user=member)
        ContactTeamAccess.objects.create(
            contact=directory.maria, team=directory.team, created_at=directory.maria.created_at
        )
    maria = f"/contatos/{directory.maria.pk}/"

    member_client = client_for(tenant_alfa, member)
    outsider_client = client_for(tenant_alfa, outsider)

    assert [r.contact.name for r in member_client.get("/contatos/").context["rows"]] == [
        "João Souza",
        "Maria da Silva",
    ]
    assert [r.contact.name for r in outsider_client.get("/contatos/").context["rows"]] == [
        "João Souza"
    ]
    assert member_client.get(maria).status_code == 200
    assert outsider_client.get(maria).status_code == 404
    # and the API answers the same (6.5.63.4)
    for agent, names, status in (
        (member, ["João Souza", "Maria da Silva"], 200),
        (outsider, ["João Souza"], 404),
    ):
        api = Client(
            HTTP_HOST=host_of(tenant_alfa),
            headers={"Authorization": f"Bearer {token_for(tenant_alfa, agent)}"},
        )
        assert [item["name"] for item in api.get("/api/contacts").json()["items"]] == names
        assert api.get(f"/api/contacts/{directory.maria.pk}").status_code == status
        patched = api.patch(
            f"/api/contacts/{directory.maria.pk}",
            {"name": "Maria S."},
            content_type="application/json",
        )
        assert patched.status_code == status


# --- export ------------------------------------------------------------------------------------


@pytest.mark.req("6.5.38")
def test_a_supervisor_exports_the_filtered_list_masked_and_audited(
    tenant_alfa: Tenant, directory: Directory, make_user: MakeUser, client_for: ClientFor
) -> None:
    supervisor = make_user(tenant_alfa, Role.SUPERVISOR)
    client = client_for(tenant_alfa, supervisor)

    response = client.get("/contatos/exportar.csv", {"channel": directory.portal.pk})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "id;nome;telefone;e-mail;CPF;consentimento por canal;equipes exclusivas;cadastrado em"
    )
    assert len(lines) == 2
    cells = lines[1].split(";")
    assert cells[:6] == [
        str(directory.maria.pk),
        "Maria da Silva",
        MASKED_PHONE,
        "m***@***",
        MASKED_CPF,
        "Chat do portal: não informado",
    ]
    with schema_context(tenant_alfa.schema_name):
        entry = AuditEntry.objects.filter(action="contact.export").get()
    assert entry.actor_id == supervisor.pk
    assert entry.after == {
        "format": "csv",
        "rows": 1,
        "searched": False,
        "channel_id": directory.portal.pk,
        "team_id": None,
        "masked": True,
    }


@pytest.mark.req("6.5.38")
def test_an_admin_exports_xlsx_with_the_real_values(
    tenant_alfa: Tenant, directory: Directory, make_user: MakeUser, client_for: ClientFor
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))

    response = client.get("/contatos/exportar.xlsx", {"q": "maria"})

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2
    assert rows[1][:5] == [directory.maria.pk, "Maria da Silva", f"'{PHONE}", EMAIL, CPF_DIGITS]


def test_an_unknown_export_format_is_not_found(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: ClientFor
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    assert client.get("/contatos/exportar.pdf").status_code == 404


# --- consent -----------------------------------------------------------------------------------


@audits_route("tenant:agent:contact_consent")
@pytest.mark.req("6.5.40")
def test_an_admin_records_opt_out_and_opt_in_from_the_list(
    tenant_alfa: Tenant, directory: Directory, make_user: MakeUser, client_for: ClientFor
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = client_for(tenant_alfa, admin)
    page = client.get("/contatos/", {"q": "maria"}).content.decode()
    assert "Registrar opt-out em Chat do portal" in page

    response = client.post(
        f"/contatos/{directory.maria.pk}/consentimento",
        {
            "channel": directory.portal.pk,
            "status": ConsentStatus.OPT_OUT,
            "next": "/contatos/?q=maria",
            "note": "pediu por telefone",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/contatos/?q=maria"
    assert _consents(tenant_alfa) == [
        (directory.maria.pk, directory.portal.pk, ConsentStatus.OPT_OUT)
    ]
    with schema_context(tenant_alfa.schema_name):
        event = ConsentEvent.objects.get()
        assert (event.method, event.actor_user_id, event.note) == (
            ConsentMethod.ADMIN,
            admin.pk,
            "pediu por telefone",
        )
    after = client.get("/contatos/", {"q": "maria"}).content.decode()
    assert "não aceita receber" in after
    assert "Registrar opt-in em Chat do portal" in after

    # A new channel for the contact, from the contact's page, and an outside "next" ignored
    again = client.post(
        f"/contatos/{directory.maria.pk}/consentimento",
        {"channel": directory.app.pk, "status": ConsentStatus.OPT_IN, "next": "https://evil.test/"},
    )
    assert again["Location"] == f"/contatos/{directory.maria.pk}/"
    detail = client.get(f"/contatos/{directory.maria.pk}/").content.decode()
    assert "Alteração manual por administrador" in detail
    assert len(_consents(tenant_alfa)) == 2


def test_an_invalid_consent_change_changes_nothing(
    tenant_alfa: Tenant, directory: Directory, make_user: MakeUser, client_for: ClientFor
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))

    response = client.post(
        f"/contatos/{directory.maria.pk}/consentimento",
        {"channel": directory.portal.pk, "status": "talvez"},
    )

    assert response.status_code == 302
    assert _consents(tenant_alfa) == []


# --- import ------------------------------------------------------------------------------------


@audits_route("tenant:agent:contact_import_upload", "tenant:agent:contact_import_mapping")
@pytest.mark.req("6.5.39")
@pytest.mark.req("6.5.37.9")
def test_an_admin_uploads_maps_previews_and_imports(
    tenant_alfa: Tenant, directory: Directory, make_user: MakeUser, client_for: ClientFor
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    upload = io.BytesIO(
        csv_bytes(
            [
                ["Cidadão", "Fone", "Documento", "Bairro"],
                ["Ana Lima", "(11) 98888-7777", "111.444.777-35", "Centro"],
                ["Beto", "999", "", "Norte"],
            ]
        )
    )
    upload.name = "lista.csv"

    # Upload: on to the mapping screen, with the columns it could guess
    uploaded = client.post("/contatos/importar/", {"file": upload})
    assert uploaded.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        job = ContactImport.objects.get()
    assert uploaded["Location"] == f"/contatos/importar/{job.pk}/mapeamento"
    mapping_page = client.get(uploaded["Location"])
    assert mapping_page.context["form"]["column_2"].initial == "cpf"
    assert "Ana Lima · Beto" in mapping_page.content.decode()

    # Preview with the admin's layout: Cidadão is the name, Fone the phone, Bairro ignored
    layout = {
        "column_0": "name",
        "column_1": "phone",
        "column_2": "cpf",
        "column_3": "",
        "team": directory.team.pk,
    }
    previewed = client.post(uploaded["Location"], {**layout, "action": "preview"})
    assert previewed.status_code == 302
    page = client.get(uploaded["Location"])
    preview = page.context["preview"]
    assert [row["number"] for row in preview] == [2, 3]
    assert preview[0]["values"] == ["Ana Lima", "+5511988887777", "11144477735"]
    assert preview[1]["errors"][0].startswith("telefone “999”")
    with schema_context(tenant_alfa.schema_name):
        assert Contact.objects.filter(name="Ana Lima").count() == 0

    # Import: results with the rejected row's number and reason
    imported = client.post(uploaded["Location"], {**layout, "action": "import"})
    assert imported["Location"] == f"/contatos/importar/{job.pk}/"
    result = client.get(imported["Location"])
    body = result.content.decode()
    assert result.context["job"].status == ImportStatus.DONE
    assert '<dd id="count-created">1</dd>' in body
    assert '<dd id="count-errors">1</dd>' in body
    assert "<td>3</td><td>telefone “999”" in body
    with schema_context(tenant_alfa.schema_name):
        ana = Contact.objects.get(name="Ana Lima")
        assert ContactTeamAccess.objects.filter(contact=ana, team=directory.team).exists()
    # A started import cannot be mapped again
    assert client.get(uploaded["Location"])["Location"] == f"/contatos/importar/{job.pk}/"


def test_the_mapping_screen_explains_an_unusable_layout(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: ClientFor
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    upload = io.BytesIO(csv_bytes([["A", "B"], ["Ana", "11987654321"]]))
    upload.name = "a.csv"
    location = client.post("/contatos/importar/", {"file": upload})["Location"]

    response = client.post(location, {"column_0": "name", "column_1": "", "action": "import"})

    assert response.status_code == 400
    assert "Escolha a coluna do telefone, do e-mail ou do CPF" in response.content.decode()
    with schema_context(tenant_alfa.schema_name):
        assert ContactImport.objects.get().status == ImportStatus.UPLOADED
        assert Contact.objects.count() == 0


def test_a_file_over_the_limit_gets_a_clear_error(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: ClientFor, settings: Any
) -> None:
    settings.CONTACT_IMPORT_MAX_BYTES = 1_048_576
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    upload = io.BytesIO(b"telefone\r\n" + b"1" * 2_200_000)
    upload.name = "grande.csv"

    response = client.post("/contatos/importar/", {"file": upload})

    assert response.status_code == 400
    assert "O arquivo tem 2,1 MB; o limite é 1 MB." in response.content.decode()
    with schema_context(tenant_alfa.schema_name):
        assert ContactImport.objects.count() == 0


def test_the_progress_fragment_reports_a_queued_import(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: ClientFor
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    with schema_context(tenant_alfa.schema_name):
        job = ContactImport.objects.create(
            file_name="grande.csv",
            file_format="csv",
            file_size=10,
            headers=["telefone"],
            total_rows=400,
            processed_rows=100,
            status=ImportStatus.RUNNING,
            actor_label="admin",
            created_at=timezone.now(),
        )

    fragment = client.get(f"/contatos/importar/{job.pk}/", {"parte": "progresso"})
    page = client.get(f"/contatos/importar/{job.pk}/")

    body = fragment.content.decode()
    assert "<html" not in body
    assert "100 de 400 linhas processadas (25%)." in body
    assert 'data-finished="0"' in body
    assert '<meta http-equiv="refresh" content="3">' in page.content.decode()


def test_the_list_takes_the_same_number_of_queries_for_any_page_size(
    tenant_alfa: Tenant,
    directory: Directory,
    make_user: MakeUser,
    client_for: ClientFor,
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    client.get("/contatos/")
    with CaptureQueriesContext(connection) as few:
        client.get("/contatos/")
    with schema_context(tenant_alfa.schema_name):
        for number in range(30):
            contact = Contact.objects.create(
                name=f"Zeca {number}", phone="", created_at=timezone.now()
            )
            ContactIdentity.objects.create(
                contact=contact,
                channel=directory.portal,
                external_id=f"v-{number}",
                created_at=timezone.now(),
            )
    with CaptureQueriesContext(connection) as many:
        response = client.get("/contatos/")

    assert len(response.context["rows"]) == 32
    assert len(many.captured_queries) == len(few.captured_queries)

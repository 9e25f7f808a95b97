"""Agents, teams and contacts through the API (6.5.63.1, 6.5.63.2, 6.5.63.3, 6.5.63.5)."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from desk.models import Contact, ContactIdentity, Team
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.api.fixtures import ApiFor
from tests.conftest import MakeUser

pytestmark = pytest.mark.django_db


@pytest.mark.req("6.5.63.1")
@pytest.mark.req("6.5.63.5")
@audits_route("tenant:POST /api/agents", "tenant:PATCH /api/agents/<agent_id>")
def test_an_admin_lists_creates_reads_and_updates_agents(
    api_for: ApiFor,
    tenant_alfa: Tenant,
    make_user: MakeUser,
    django_capture_on_commit_callbacks: object,
) -> None:
    # Given an administrator's token, an agent and a supervisor
    admin = api_for(Role.ADMIN)
    existing = make_user(tenant_alfa, Role.AGENT, email="aline@alfa.gov.br")
    make_user(tenant_alfa, Role.SUPERVISOR, email="sergio@alfa.gov.br")

    # When the admin creates an agent
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        created = admin.post(
            "/api/agents",
            {"email": "Bruno@Alfa.gov.br", "full_name": "Bruno Atendente"},
            content_type="application/json",
        )

    # Then it is a user with the role atendente, invited by e-mail to set a password
    assert created.status_code == 201
    body = created.json()
    assert body["invitation_sent"] is True
    assert body["agent"]["email"] == "bruno@alfa.gov.br"
    assert body["agent"]["invitation_pending"] is True
    with schema_context(tenant_alfa.schema_name):
        bruno = User.objects.get(email="bruno@alfa.gov.br")
        assert bruno.role == Role.AGENT
        entry = AuditEntry.objects.filter(action="user.invite").latest("id")
        assert (entry.via, entry.object_id) == ("api", str(bruno.pk))
        assert entry.token_prefix != ""
    assert [message.to for message in mail.outbox] == [["bruno@alfa.gov.br"]]

    # And the list holds agents only, paginated
    listing = admin.get("/api/agents").json()
    assert listing["count"] == 2
    assert [item["email"] for item in listing["items"]] == [
        "aline@alfa.gov.br",
        "bruno@alfa.gov.br",
    ]
    assert admin.get("/api/agents?page_size=1&page=2").json()["items"][0]["email"] == (
        "bruno@alfa.gov.br"
    )

    # When the admin renames and deactivates an agent
    updated = admin.patch(
        f"/api/agents/{existing.pk}",
        {"full_name": "Aline Souza", "is_active": False},
        content_type="application/json",
    )
    assert updated.status_code == 200
    assert (updated.json()["full_name"], updated.json()["is_active"]) == ("Aline Souza", False)
    assert admin.get(f"/api/agents/{existing.pk}").json()["full_name"] == "Aline Souza"


def test_the_agents_endpoints_do_not_reach_other_roles(
    api_for: ApiFor, tenant_alfa: Tenant, make_user: MakeUser
) -> None:
    admin = api_for(Role.ADMIN)
    supervisor = make_user(tenant_alfa, Role.SUPERVISOR, email="sup@alfa.gov.br")

    assert admin.get(f"/api/agents/{supervisor.pk}").status_code == 404
    response = admin.patch(
        f"/api/agents/{supervisor.pk}", {"is_active": False}, content_type="application/json"
    )

    assert response.status_code == 404
    with schema_context(tenant_alfa.schema_name):
        supervisor.refresh_from_db()
        assert supervisor.is_active is True


def test_an_agent_with_a_bad_email_is_refused_with_the_field(api_for: ApiFor) -> None:
    response = api_for(Role.ADMIN).post(
        "/api/agents", {"email": "não é e-mail", "full_name": "X"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Dados inválidos na requisição."


@pytest.mark.req("6.5.63.2")
@audits_route("tenant:POST /api/teams", "tenant:PATCH /api/teams/<team_id>")
def test_teams_are_created_read_renamed_and_names_stay_unique(
    api_for: ApiFor, tenant_alfa: Tenant
) -> None:
    admin = api_for(Role.ADMIN)
    created = admin.post("/api/teams", {"name": "  Saúde  "}, content_type="application/json")
    assert created.status_code == 201
    team_id = created.json()["id"]
    assert created.json()["name"] == "Saúde"
    admin.post("/api/teams", {"name": "Educação"}, content_type="application/json")

    duplicate = admin.patch(
        f"/api/teams/{team_id}", {"name": "Educação"}, content_type="application/json"
    )
    renamed = admin.patch(
        f"/api/teams/{team_id}", {"name": "Saúde e Bem-estar"}, content_type="application/json"
    )

    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "detail": "Já existe uma equipe com este nome.",
        "field": "name",
        "code": "team_name_taken",
    }
    assert renamed.json()["name"] == "Saúde e Bem-estar"
    assert api_for(Role.AGENT, teams=[]).get(f"/api/teams/{team_id}").json()["name"] == (
        "Saúde e Bem-estar"
    )
    with schema_context(tenant_alfa.schema_name):
        assert sorted(Team.objects.values_list("name", flat=True)) == [
            "Educação",
            "Saúde e Bem-estar",
        ]
        assert AuditEntry.objects.filter(action="team.update").count() == 1


@pytest.mark.req("6.5.63.3")
@audits_route("tenant:POST /api/contacts", "tenant:PATCH /api/contacts/<contact_id>")
def test_contacts_are_created_searched_and_updated_with_clean_data(
    api_for: ApiFor, tenant_alfa: Tenant
) -> None:
    agent = api_for(Role.AGENT)
    created = agent.post(
        "/api/contacts",
        {"name": "Joana Dark", "phone": "(61) 99999-0001", "email": "Joana@Exemplo.com.br"},
        content_type="application/json",
    )
    agent.post("/api/contacts", {"name": "Pedro Alves"}, content_type="application/json")
    assert created.status_code == 201
    contact_id = created.json()["id"]

    found = agent.get("/api/contacts?q=joana").json()
    bad_phone = agent.patch(
        f"/api/contacts/{contact_id}", {"phone": "123"}, content_type="application/json"
    )
    updated = agent.patch(
        f"/api/contacts/{contact_id}", {"name": "Joana D'Arc"}, content_type="application/json"
    )

    assert [item["id"] for item in found["items"]] == [contact_id]
    assert bad_phone.status_code == 400
    assert bad_phone.json()["field"] == "phone"
    assert updated.json()["name"] == "Joana D'Arc"
    with schema_context(tenant_alfa.schema_name):
        contact = Contact.objects.get(pk=contact_id)
        assert (contact.name, contact.phone, contact.email) == (
            "Joana D'Arc",
            "+5561999990001",
            "joana@exemplo.com.br",
        )
        entry = AuditEntry.objects.filter(action="contact.update").get()
        # The trail names what changed, never the personal data itself.
        assert entry.after == {"fields": ["name"]}


@pytest.mark.req("6.5.63.3")
def test_contact_phone_and_email_are_masked_for_those_who_may_not_see_them(
    api_for: ApiFor, tenant_alfa: Tenant
) -> None:
    admin = api_for(Role.ADMIN)
    contact_id = admin.post(
        "/api/contacts",
        {"name": "Carla", "phone": "11987654321", "email": "carla@exemplo.com"},
        content_type="application/json",
    ).json()["id"]
    with schema_context(tenant_alfa.schema_name):
        assert ContactIdentity.objects.count() == 0

    seen_by_admin = admin.get(f"/api/contacts/{contact_id}").json()
    seen_by_agent = api_for(Role.AGENT).get(f"/api/contacts/{contact_id}").json()

    assert (seen_by_admin["phone"], seen_by_admin["email"]) == (
        "+5511987654321",
        "carla@exemplo.com",
    )
    assert seen_by_agent["phone"] != "+5511987654321"
    assert "987654321" not in seen_by_agent["phone"]
    assert seen_by_agent["email"] == "c***@***"

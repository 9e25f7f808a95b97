"""Audit proof of the foundation's state-changing routes (users, invitations, API tokens and
the user API): each drives the route and checks the entry it leaves (6.2.18, 6.5.23.15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import ApiToken, User
from accounts.roles import Role
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.conftest import PASSWORD, MakeUser, host_of

pytestmark = [pytest.mark.req("6.2.18"), pytest.mark.req("6.5.23.15")]


def actions_since(tenant: Tenant, last_id: int) -> list[tuple[str, str, str]]:
    with schema_context(tenant.schema_name):
        return list(
            AuditEntry.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list("action", "actor_label", "via")
        )


def last_entry_id(tenant: Tenant) -> int:
    with schema_context(tenant.schema_name):
        return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


@audits_route(
    "tenant:accounts:user_invite", "tenant:accounts:user_edit", "tenant:accounts:user_invite_resend"
)
def test_user_screens_leave_audit_entries(
    tenant_alfa: Tenant,
    make_user: MakeUser,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = client_for(tenant_alfa, admin)
    before = last_entry_id(tenant_alfa)

    with django_capture_on_commit_callbacks():
        invited = client.post(
            "/conta/usuarios/convidar/",
            {"full_name": "Rita Auditada", "email": "rita@alfa.gov.br", "role": Role.AGENT},
        )
    with schema_context(tenant_alfa.schema_name):
        rita = User.objects.get(email="rita@alfa.gov.br")
    edited = client.post(
        f"/conta/usuarios/{rita.pk}/",
        {"full_name": "Rita A. Souza", "role": Role.SUPERVISOR, "is_active": "on"},
    )
    with django_capture_on_commit_callbacks():
        resent = client.post(f"/conta/usuarios/{rita.pk}/reenviar-convite/")

    assert [invited.status_code, edited.status_code, resent.status_code] == [302, 302, 302]
    assert actions_since(tenant_alfa, before) == [
        ("user.invite", admin.email, "web"),
        ("user.update", admin.email, "web"),
        ("user.invite_resend", admin.email, "web"),
    ]


@audits_route("tenant:accounts:api_tokens", "tenant:accounts:api_token_revoke")
def test_api_token_screens_leave_audit_entries(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = client_for(tenant_alfa, admin)
    before = last_entry_id(tenant_alfa)

    created = client.post("/conta/tokens/", {"name": "Sistema de protocolo"})
    with schema_context(tenant_alfa.schema_name):
        token = ApiToken.objects.get(user=admin)
    revoked = client.post(f"/conta/tokens/{token.pk}/revogar/")

    assert created.status_code == 200
    assert revoked.status_code == 302
    assert actions_since(tenant_alfa, before) == [
        ("api_token.create", admin.email, "web"),
        ("api_token.revoke", admin.email, "web"),
    ]


@audits_route("tenant:accounts:language", "public:accounts:language")
def test_language_choice_is_audited_on_both_hosts(
    tenant_alfa: Tenant,
    make_user: MakeUser,
    client_for: Any,
    operator_client: Client,
    operator: User,
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    before = last_entry_id(tenant_alfa)

    tenant_response = client_for(tenant_alfa, agent).post("/conta/idioma/", {"language": "es"})
    operator_response = operator_client.post("/conta/idioma/", {"language": "en"})

    assert tenant_response.status_code == 302
    assert operator_response.status_code == 302
    assert actions_since(tenant_alfa, before) == [("user.update", agent.email, "web")]
    assert AuditEntry.objects.filter(action="user.update", actor_id=operator.pk).count() == 1


@audits_route(
    "tenant:POST /api/auth/token", "tenant:POST /api/users", "tenant:PATCH /api/users/<user_id>"
)
def test_user_api_leaves_audit_entries_naming_the_token(
    tenant_alfa: Tenant, make_user: MakeUser, django_capture_on_commit_callbacks: Any
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = Client(HTTP_HOST=host_of(tenant_alfa))
    before = last_entry_id(tenant_alfa)

    obtained = client.post(
        "/api/auth/token",
        {"email": admin.email, "password": PASSWORD, "name": "SEI"},
        content_type="application/json",
    )
    bearer = f"Bearer {obtained.json()['token']}"
    with django_capture_on_commit_callbacks():
        created = client.post(
            "/api/users",
            {"email": "api@alfa.gov.br", "full_name": "Via API", "role": Role.AGENT},
            content_type="application/json",
            HTTP_AUTHORIZATION=bearer,
        )
    user_id = created.json()["user"]["id"]
    patched = client.patch(
        f"/api/users/{user_id}",
        {"full_name": "Via API Editada"},
        content_type="application/json",
        HTTP_AUTHORIZATION=bearer,
    )

    assert [obtained.status_code, created.status_code, patched.status_code] == [201, 201, 200]
    assert actions_since(tenant_alfa, before) == [
        ("api_token.create", admin.email, "api"),
        ("user.invite", admin.email, "api"),
        ("user.update", admin.email, "api"),
    ]
    with schema_context(tenant_alfa.schema_name):
        prefix = ApiToken.objects.get(user=admin).prefix
        assert list(
            AuditEntry.objects.filter(id__gt=before, action__startswith="user.").values_list(
                "token_prefix", flat=True
            )
        ) == [prefix, prefix]

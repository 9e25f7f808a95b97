"""Masking of personal data for users without permission (6.5.23.10, 6.5.23.11) and the
per-user permission to see it (6.5.23.13), asserted on raw bytes: HTML, JSON and CSV."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.template import Context, Template
from django_tenants.utils import schema_context
from ninja import Router
from ninja.testing import TestClient

from accounts.models import User
from accounts.roles import Role
from security.actors import Actor
from security.audit import audit_record
from security.masking import MaskedSchema, Masker, mask_text
from security.models import AuditEntry, MaskingRule
from security.route_audit import audits_route
from security.services.masking_rules import masking_rule_add
from tenants.models import Tenant
from tests.conftest import MakeUser
from tests.security.conftest import SetPolicy

CPF = "529.982.247-25"
CPF_DIGITS = "52998224725"
EMAIL = "maria.silva@exemplo.com.br"
PHONE = "(11) 98765-4321"
MESSAGE = f"Sou Maria, CPF {CPF}, e-mail {EMAIL}, celular {PHONE}, CEP 01310-100."


def fresh(tenant: Tenant, user: User) -> User:
    """The user as a new request would load it (permissions are cached per object)."""
    with schema_context(tenant.schema_name):
        return User.objects.get(pk=user.pk)


@pytest.mark.req("6.5.23.10")
@pytest.mark.req("6.5.23.11")
def test_builtin_patterns_hide_cpf_email_and_phone_from_an_agent(
    tenant_alfa: Tenant, make_user: MakeUser
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    admin = make_user(tenant_alfa, Role.ADMIN)

    with schema_context(tenant_alfa.schema_name):
        masked = mask_text(MESSAGE, agent)
        plain = mask_text(MESSAGE, admin)
        digits = mask_text(f"cpf {CPF_DIGITS}", agent)

    assert masked == (
        "Sou Maria, CPF ***.***.***-**, e-mail m***@***, celular (**) *****-****, CEP 01310-100."
    )
    assert plain == MESSAGE
    assert digits == "cpf ***.***.***-**"


@pytest.mark.req("6.5.23.11")
@pytest.mark.parametrize(
    "phone", ["+55 11 98765-4321", "11987654321", "(61) 3456-7890", "98765 4321", "+5511987654321"]
)
def test_phone_spellings_are_masked(phone: str) -> None:
    masked = Masker(enabled=True).mask(f"ligue {phone} hoje")
    assert not any(char.isdigit() for char in masked)


@pytest.mark.req("6.5.23.11")
def test_a_protocol_number_is_not_taken_for_a_phone() -> None:
    masked = Masker(enabled=True).mask("protocolo 20261128-000034, ligue (11) 98765-4321")
    assert masked == "protocolo 20261128-000034, ligue (**) *****-****"


@pytest.mark.req("6.5.23.11")
def test_policy_switches_and_custom_patterns(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    set_policy(tenant_alfa, mask_email=False)
    with schema_context(tenant_alfa.schema_name):
        masking_rule_add(
            actor=Actor.command("tests"), name="CEP", pattern=r"\d{5}-\d{3}", replacement="[CEP]"
        )

        masked = mask_text(MESSAGE, agent)

    assert masked == (
        f"Sou Maria, CPF ***.***.***-**, e-mail {EMAIL}, celular (**) *****-****, CEP [CEP]."
    )


@pytest.mark.req("6.5.23.11")
def test_a_runaway_custom_pattern_hides_the_text_instead_of_hanging() -> None:
    from security.masking import CustomPattern

    masker = Masker(enabled=True, custom=(CustomPattern("ruim", r"(a|aa)+$", "*"),))

    assert masker.mask("a" * 40 + f"! {CPF}") == "[conteúdo oculto]"


@pytest.mark.req("6.5.23.10")
def test_template_filter_never_renders_a_cpf_for_an_agent(
    tenant_alfa: Tenant, make_user: MakeUser
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    template = Template("{% load masking %}<p>{{ body|mask:user }}</p><p>{{ cpf|mask:user }}</p>")

    with schema_context(tenant_alfa.schema_name):
        html = template.render(Context({"body": MESSAGE, "cpf": CPF_DIGITS, "user": agent}))

    raw = html.encode()
    assert CPF.encode() not in raw
    assert CPF_DIGITS.encode() not in raw
    assert EMAIL.encode() not in raw
    assert b"***.***.***-**" in raw


class CitizenOut(MaskedSchema):
    masked_fields = ("cpf", "notes")
    name: str
    cpf: str
    notes: list[str]


router = Router()


@router.get("/cidadao", response=CitizenOut)
def citizen(request: Any) -> dict[str, Any]:
    return {"name": "Maria", "cpf": CPF, "notes": [MESSAGE]}


@pytest.mark.req("6.5.23.10")
@pytest.mark.req("6.5.23.13")
def test_api_schema_masks_for_the_requesting_user(tenant_alfa: Tenant, make_user: MakeUser) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = TestClient(router)

    with schema_context(tenant_alfa.schema_name):
        as_agent = client.get("/cidadao", user=agent)
        as_admin = client.get("/cidadao", user=admin)

    assert CPF.encode() not in as_agent.content
    assert CPF_DIGITS.encode() not in as_agent.content
    assert json.loads(as_agent.content)["cpf"] == "***.***.***-**"
    assert json.loads(as_admin.content) == {"name": "Maria", "cpf": CPF, "notes": [MESSAGE]}


@pytest.mark.req("6.5.23.10")
@pytest.mark.req("6.5.23.15")
def test_audit_screen_and_export_mask_changed_data_for_an_auditor(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    auditor = make_user(tenant_alfa, Role.AUDITOR)
    admin = make_user(tenant_alfa, Role.ADMIN)
    with schema_context(tenant_alfa.schema_name):
        audit_record(
            actor=Actor.command("tests"),
            action="contact.update",
            object_type="desk.contact",
            object_id="7",
            object_repr=f"Maria {CPF}",
            before={"cpf": ""},
            after={"cpf": CPF, "email": EMAIL},
        )
    auditor_client = client_for(tenant_alfa, auditor)

    page = auditor_client.get("/seguranca/auditoria/?action=contact.update")
    csv = auditor_client.get("/seguranca/auditoria/?action=contact.update&formato=csv")
    admin_page = client_for(tenant_alfa, admin).get("/seguranca/auditoria/?action=contact.update")

    for raw in (page.content, csv.content):
        assert CPF.encode() not in raw
        assert CPF_DIGITS.encode() not in raw
        assert EMAIL.encode() not in raw
    assert b"***.***.***-**" in page.content
    assert CPF.encode() in admin_page.content


@pytest.mark.req("6.5.23.13")
@audits_route("tenant:security:user_permissions")
def test_admin_grants_and_revokes_sensitive_data_per_user(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    agent = make_user(tenant_alfa, Role.AGENT)
    client = client_for(tenant_alfa, admin)
    url = f"/seguranca/permissoes/{agent.pk}/"

    granted = client.post(url, {"capabilities": ["view_sensitive_data"]})
    with schema_context(tenant_alfa.schema_name):
        seen_after_grant = mask_text(CPF, fresh(tenant_alfa, agent))
    revoked = client.post(url, {})
    with schema_context(tenant_alfa.schema_name):
        seen_after_revoke = mask_text(CPF, fresh(tenant_alfa, agent))
        actions = list(
            AuditEntry.objects.filter(action="user.capabilities_update").values_list(
                "before", "after"
            )
        )

    assert granted.status_code == 302
    assert revoked.status_code == 302
    assert seen_after_grant == CPF
    assert seen_after_revoke == "***.***.***-**"
    assert actions == [
        ({"capabilities": []}, {"capabilities": ["view_sensitive_data"]}),
        ({"capabilities": ["view_sensitive_data"]}, {"capabilities": []}),
    ]


@pytest.mark.req("6.5.23.11")
@audits_route("tenant:security:masking_rules", "tenant:security:masking_rule_delete")
def test_admin_manages_custom_patterns_on_the_screen(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = client_for(tenant_alfa, admin)

    invalid = client.post(
        "/seguranca/ocultacao/", {"name": "quebrado", "pattern": "([a-z", "replacement": "*"}
    )
    added = client.post(
        "/seguranca/ocultacao/",
        {"name": "Protocolo", "pattern": r"PRT-\d{6}", "replacement": "PRT-******"},
    )
    with schema_context(tenant_alfa.schema_name):
        rule = MaskingRule.objects.get()
    removed = client.post(f"/seguranca/ocultacao/{rule.pk}/remover/")

    assert "Expressão regular inválida" in invalid.content.decode()
    assert added.status_code == 302
    assert removed.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        assert MaskingRule.objects.count() == 0
        assert list(
            AuditEntry.objects.filter(action__startswith="masking_rule").values_list(
                "action", flat=True
            )
        ) == ["masking_rule.create", "masking_rule.delete"]

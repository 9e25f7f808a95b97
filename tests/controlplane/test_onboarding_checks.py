"""Each step of the onboarding checklist (REQ 6.7.1.1-6.7.1.7) ticks itself when the thing it
asks for is created in the client's environment, and only in that client's checklist."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from channels.models import ChannelMode, ChannelType
from channels.services import WebChatSettings, channel_create
from controlplane.onboarding import StepResult, onboarding_checklist
from desk.models import Team
from routing.models import TeamMembership, TeamSettings
from security.actors import Actor
from tenants.models import Domain, Tenant

pytestmark = pytest.mark.django_db
ACTOR = Actor.command("tests")


def step(tenant: Tenant, key: str) -> StepResult:
    return {item.step.key: item.result for item in onboarding_checklist(tenant)}[key]


def webchat(name: str, mode: str = ChannelMode.LIVE) -> None:
    channel_create(
        actor=ACTOR,
        type=ChannelType.WEBCHAT,
        name=name,
        mode=mode,
        webchat=WebChatSettings(allowed_origins=["https://www.alfa.gov.br"]),
    )


@pytest.mark.req("6.7.1.1")
def test_environment_needs_its_address(tenant_alfa: Tenant) -> None:
    assert step(tenant_alfa, "environment").state == "done"
    assert step(tenant_alfa, "environment").detail == "Esquema alfa em alfa.localhost."

    Domain.objects.filter(tenant=tenant_alfa).update(is_primary=False)

    assert step(tenant_alfa, "environment") == StepResult.pending("Sem endereço de acesso.")


@pytest.mark.req("6.7.1.2")
def test_channels_tick_with_the_first_production_channel(
    tenant_alfa: Tenant, tenant_beta: Tenant
) -> None:
    assert step(tenant_alfa, "channels") == StepResult.pending("Nenhum canal ativo.")

    with schema_context(tenant_alfa.schema_name):
        webchat("Simulação", mode=ChannelMode.SANDBOX)
    assert step(tenant_alfa, "channels") == StepResult.pending(
        "Só canais de teste (1), nenhum em produção."
    )

    with schema_context(tenant_alfa.schema_name):
        webchat("Chat do portal")
    assert step(tenant_alfa, "channels") == StepResult.done("Em produção — WebChat: 1. 1 de teste.")
    assert step(tenant_beta, "channels").state == "pending"


@pytest.mark.req("6.7.1.3")
def test_admin_accounts_need_an_admin_and_a_supervisor(
    tenant_alfa: Tenant, make_user: Callable[..., User]
) -> None:
    # Whatever onboarding created, there is no supervisor yet.
    before = step(tenant_alfa, "admin_accounts")
    assert before.state == "pending"

    make_user(tenant_alfa, Role.ADMIN)
    make_user(tenant_alfa, Role.SUPERVISOR)

    after = step(tenant_alfa, "admin_accounts")
    assert after.state == "done"
    assert after.detail.endswith("1 supervisor(es).")


@pytest.mark.req("6.7.1.4")
def test_teams_tick_once_a_team_has_an_agent(
    tenant_alfa: Tenant, tenant_beta: Tenant, make_user: Callable[..., User]
) -> None:
    assert step(tenant_alfa, "teams") == StepResult.pending("0 equipe(s), 0 com atendentes.")

    with schema_context(tenant_alfa.schema_name):
        team = Team.objects.create(name="Triagem")
    assert step(tenant_alfa, "teams") == StepResult.pending("1 equipe(s), 0 com atendentes.")

    agent = make_user(tenant_alfa, Role.AGENT)
    with schema_context(tenant_alfa.schema_name):
        TeamMembership.objects.create(team=team, user=agent)
    assert step(tenant_alfa, "teams") == StepResult.done("1 equipe(s), 1 com atendentes.")
    assert step(tenant_beta, "teams").state == "pending"


@pytest.mark.req("6.7.1.5")
def test_agents_tick_with_the_first_active_agent(
    tenant_alfa: Tenant, tenant_beta: Tenant, make_user: Callable[..., User]
) -> None:
    assert step(tenant_alfa, "agents") == StepResult.pending("0 atendente(s) ativo(s).")

    make_user(tenant_alfa, Role.AGENT)

    assert step(tenant_alfa, "agents") == StepResult.done("1 atendente(s) ativo(s).")
    assert step(tenant_beta, "agents").state == "pending"


@pytest.mark.req("6.7.1.6")
def test_flows_are_not_available_yet_whatever_exists(
    tenant_alfa: Tenant, make_user: Callable[..., User]
) -> None:
    with schema_context(tenant_alfa.schema_name):
        webchat("Chat do portal")

    flows = step(tenant_alfa, "flows")

    assert flows.state == "not_available"
    assert "não há fluxos automáticos (robô)" in flows.detail


@pytest.mark.req("6.7.1.7")
def test_standard_messages_tick_when_every_team_opens_and_closes(tenant_alfa: Tenant) -> None:
    assert step(tenant_alfa, "standard_messages") == StepResult.pending("Nenhuma equipe ainda.")

    with schema_context(tenant_alfa.schema_name):
        team = Team.objects.create(name="Triagem")
        TeamSettings.objects.create(
            team=team, announce_agent=True, closing_message="Até logo! Protocolo {protocolo}."
        )
    assert step(tenant_alfa, "standard_messages") == StepResult.done(
        "1 equipe(s) com mensagens de início e encerramento; 1 personalizada(s)."
    )

    with schema_context(tenant_alfa.schema_name):
        TeamSettings.objects.filter(team=team).update(closing_message="  ")
    assert step(tenant_alfa, "standard_messages") == StepResult.pending(
        "Sem mensagem de início ou de encerramento: Triagem."
    )


@pytest.mark.req("6.7.1.7")
def test_the_protocol_notice_of_a_channel_is_a_start_message(tenant_alfa: Tenant) -> None:
    with schema_context(tenant_alfa.schema_name):
        team = Team.objects.create(name="Triagem")
        TeamSettings.objects.create(team=team, announce_agent=False)
    assert step(tenant_alfa, "standard_messages").state == "pending"

    with schema_context(tenant_alfa.schema_name):
        webchat("Chat do portal")  # sends the protocol when a conversation opens

    # The channel also brought the default team ("Atendimento"), with the platform's texts.
    assert step(tenant_alfa, "standard_messages") == StepResult.done(
        "2 equipe(s) com mensagens de início e encerramento; 0 personalizada(s)."
    )

"""Each of the console's and the monitor's writes leaves its audit record (6.2.18): the proof
`security.route_audit` asks of every state-changing route."""

from __future__ import annotations

from typing import Any

from accounts.roles import Role
from routing.models import ConversationRouting, Disposition, PauseReason
from routing.services.lifecycle import conversation_assign
from security.models.audit import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory, actor_of


def _assigned(desk: DeskFactory) -> tuple[Any, Any, Any]:
    team = desk.team("Obras")
    agent = desk.agent(team, name="Ana Souza")
    conversation = desk.conversation(team)
    conversation_assign(
        actor=actor_of(desk.user(Role.SUPERVISOR)), conversation=conversation, agent=agent
    )
    return team, agent, conversation


def _actions_by(user_id: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(actor_id=user_id).order_by("id").values_list("action", flat=True)
    )


@audits_route("tenant:portal_console:send")
def test_send_is_audited(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    _team, agent, conversation = _assigned(desk)
    client_for(alfa, agent).post(f"/console/c/{conversation.pk}/enviar", {"text": "Olá"})
    assert _actions_by(agent.pk) == ["message.send"]


@audits_route("tenant:portal_console:transfer")
def test_transfer_is_audited(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    _team, agent, conversation = _assigned(desk)
    health = desk.team("Saúde")
    client_for(alfa, agent).post(
        f"/console/c/{conversation.pk}/transferir", {"team": health.pk, "note": "É da saúde"}
    )
    assert _actions_by(agent.pk) == ["conversation.transfer"]


@audits_route("tenant:portal_console:invite")
def test_invite_is_audited(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    team, agent, conversation = _assigned(desk)
    colleague = desk.agent(team, name="Bruno Lima")
    client_for(alfa, agent).post(f"/console/c/{conversation.pk}/convidar", {"agent": colleague.pk})
    assert _actions_by(agent.pk) == ["conversation.invite"]


@audits_route("tenant:portal_console:close")
def test_close_is_audited(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    _team, agent, conversation = _assigned(desk)
    solved = Disposition.objects.create(name="Resolvido")
    client_for(alfa, agent).post(
        f"/console/c/{conversation.pk}/encerrar", {"disposition": solved.pk, "note": "ok"}
    )
    assert "conversation.close" in _actions_by(agent.pk)


@audits_route("tenant:portal_console:status")
def test_status_changes_are_audited(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    team = desk.team("Obras")
    agent = desk.agent(team, login=False)
    lunch = PauseReason.objects.create(name="Almoço")
    client = client_for(alfa, agent)
    client.post("/console/situacao", {"action": "login", "teams": [team.pk]})
    client.post("/console/situacao", {"action": "pause", "reason": lunch.pk})
    client.post("/console/situacao", {"action": "available"})
    client.post("/console/situacao", {"action": "logout"})
    assert _actions_by(agent.pk) == [
        "agent.login",
        "agent.pause",
        "agent.available",
        "agent.logout",
    ]


@audits_route("tenant:portal_console:contact_rename")
def test_contact_rename_is_audited(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    _team, agent, conversation = _assigned(desk)
    client_for(alfa, agent).post(
        f"/console/contato/{conversation.contact_id}/nome", {"name": "Maria das Dores"}
    )
    assert _actions_by(agent.pk) == ["contact.update"]


@audits_route("tenant:portal_monitor:assign")
def test_assign_is_audited(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    team = desk.team("Obras")
    conversation = desk.conversation(team)
    ana = desk.agent(team, name="Ana Souza", login=False)
    ConversationRouting.objects.filter(pk=conversation.pk).delete()
    supervisor = desk.user(Role.SUPERVISOR)
    from routing.services.agents import agent_login

    agent_login(actor=actor_of(ana), user=ana, teams=[team.pk])
    client_for(alfa, supervisor).post(f"/monitor/c/{conversation.pk}/atribuir", {"agent": ana.pk})
    assert _actions_by(supervisor.pk) == ["conversation.assign"]

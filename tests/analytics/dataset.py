"""A small operation with figures computed by hand (docs/analytics.md), written straight into a
tenant's tables the way the pipeline and routing write them.

São Paulo is UTC-3 (no daylight saving since 2019). Times below are São Paulo wall-clock.

Teams: Saúde (Ana, Bruno), Tributos (Carla). Channels: WhatsApp, WebChat.

C1 (WhatsApp, Saúde), 10/03: queued 09:00, Ana 09:02, transferred to Bruno 09:10, closed by
    Bruno 09:30 "Resolvido", rated 5 (Bruno).  Wait 2 min; handling Ana 8 min, Bruno 20 min.
C2 (WebChat, Tributos), 10/03 late evening (11/03 in UTC): queued 23:30, Carla 23:40, closed
    23:55 "Informação", rated 3 (Carla).  Wait 10 min; handling Carla 15 min.
C3 (WhatsApp, Saúde), 11/03: queued 10:00, Ana 10:06, back to the queue 10:20 (Ana logged out),
    Bruno 10:24, timed out 10:50.  Waits 6 and 4 min; handling Ana 14 min, Bruno 26 min.

TME: Saúde (2+6+4)/3 = 4 min; Tributos 10 min; overall (2+10+6+4)/4 = 5.5 min.
TMA: Saúde (8+20+14+26)/4 = 17 min; Tributos 15 min; Ana 11, Bruno 23, Carla 15 min;
     overall (8+20+15+14+26)/5 = 16.6 min.

Messages (14): C1 six (2 in; out: bot, Ana, Bruno, Bruno template), C2 four (2 in, 2 Carla),
C3 four (1 in; out: Ana, Bruno, system template). São Paulo days: 10/03 has C1 and C2 (10
messages), 11/03 has C3 (4 messages).

Pauses: Ana "Almoço" 10/03 12:00-13:00 (60 min) and "Café" 15:00-15:10 (ended by logout,
10 min); Bruno "Almoço" 11/03 12:00-12:30 (30 min).

Usage ledger: one record per message, as metering writes it.

Internal chat (6.5.58.10; a thread = a pair's messages without a silence over 30 min):
T1 Ana→Bruno 10/03 09:15, Bruno→Ana 09:16, Ana→Bruno 09:40 (24 min later: same thread);
T2 Ana→Bruno 10/03 14:00 (4 h 20 min later: a new thread);
T3 Carla→Ana 10/03 23:50, Ana→Carla 11/03 00:10 (São Paulo midnight between them; 20 min);
T4 Bruno→Carla 11/03 11:00.
Per pair in March: Ana/Bruno 2 threads, 4 messages; Ana/Carla 1 and 2; Bruno/Carla 1 and 1;
total 4 threads, 7 messages. By day: 10/03 Ana/Bruno 2/4, Ana/Carla 1/1; 11/03 Ana/Carla
1/1, Bruno/Carla 1/1 (T3 counts on both days).

Data captured in conversations (6.5.48.10; the latest value of a field wins):
C1 bairro "Centro" (flow 10/03 09:01), tipo_solicitacao "Consulta" (Ana 09:05), bairro
    "Jardim América" (Ana 09:20, corrects the flow's);
C2 bairro "Centro" (flow 10/03 23:31), telefone_contato "(11) 98765-4321" (flow 23:32);
C3 bairro "Centro" (flow 11/03 10:01), tipo_solicitacao "Consulta" (api 11/03 10:30).
In March: bairro/Centro 2 conversations (C2, C3), bairro/Jardim América 1 (C1, 2 recordings),
telefone_contato 1, tipo_solicitacao/Consulta 2; 3 conversations, 7 recordings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from billing.services import usage_record
from channels.models import Channel, ChannelType
from desk.models import (
    CapturedData,
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    Team,
)
from desk.services.conversations import _next_conversation_id, protocol_format
from portal.models import InternalMessage
from routing.models import ConversationEvent, Disposition, RoutingState, TeamMembership
from security.actors import Actor
from security.audit import audit_record
from security.models import AuditEntry
from tenants.models import Tenant

SAO_PAULO_OFFSET = timedelta(hours=3)
# Every internal chat message says this: it must never reach ClickHouse.
CHAT_TEXT = "Bruno, o CPF do cidadão é 123.456.789-09"


def sp(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A São Paulo wall-clock time in March 2026, as an aware UTC datetime."""
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC) + SAO_PAULO_OFFSET


@dataclass
class Dataset:
    tenant: Tenant
    teams: dict[str, Team] = field(default_factory=dict)
    agents: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)


def _user(tenant: Tenant, name: str, role: str) -> User:
    from accounts.services import _set_role

    user = User.objects.create_user(
        email=f"{name.lower()}@{tenant.slug}.gov.br", password=None, full_name=f"{name} Souza"
    )
    _set_role(user, Role(role))
    return user


def _conversation(
    data: Dataset, key: str, channel: str, team: str, opened: datetime, phone: str
) -> Conversation:
    contact = Contact.objects.create(
        name=f"Cidadão {key}", phone=phone, email=f"{key.lower()}@exemplo.com", created_at=opened
    )
    identity = ContactIdentity.objects.create(
        contact=contact,
        channel=data.channels[channel],
        external_id=f"{key}-{phone}",
        last_inbound_at=opened,
        created_at=opened,
    )
    number = _next_conversation_id()
    conversation = Conversation.objects.create(
        id=number,
        protocol=protocol_format(opened, number),
        contact=contact,
        identity=identity,
        channel=data.channels[channel],
        team=data.teams[team],
        status="closed",
        opened_at=opened,
        closed_at=opened + timedelta(hours=1),
        last_message_at=opened,
    )
    data.conversations[key] = conversation
    return conversation


def _event(
    conversation: Conversation,
    kind: str,
    at: datetime,
    state: str,
    *,
    team: Team | None,
    agent: User | None = None,
    from_agent: User | None = None,
    actor: User | None = None,
    reason: str = "",
    data: dict[str, object] | None = None,
) -> None:
    ConversationEvent.objects.create(
        conversation=conversation,
        kind=kind,
        at=at,
        state=state,
        team_id=team.pk if team else None,
        agent_id=agent.pk if agent else None,
        from_team_id=team.pk if team else None,
        from_agent_id=from_agent.pk if from_agent else None,
        actor_id=actor.pk if actor else None,
        actor_label=actor.email if actor else "Sistema",
        via="web" if actor else "system",
        reason=reason,
        data=data or {},
    )


def _message(
    tenant: Tenant,
    conversation: Conversation,
    at: datetime,
    *,
    origin: str,
    sender: User | None = None,
    template: bool = False,
) -> Message:
    inbound = origin == "contact"
    message = Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction="in" if inbound else "out",
        kind="template" if template else "text",
        text="Olá, meu CPF é 123.456.789-09",
        provider_message_id=f"p-{conversation.pk}-{at.timestamp()}",
        status="received" if inbound else "delivered",
        origin=origin,
        sender_user_id=sender.pk if sender else None,
        sender_name=sender.full_name if sender else "",
        billing_kind="template" if template else "session",
        created_at=at,
    )
    usage_record(
        tenant=tenant,
        message_key=f"{conversation.channel_id}:{message.pk}",
        kind="template" if template else "session",
        direction="inbound" if inbound else "outbound",
        origin=origin,
        channel=conversation.channel.type,
        occurred_at=at,
        agent_id=sender.pk if sender else None,
        agent_name=sender.full_name if sender else "",
    )
    return message


def _agent_change(
    agent: User, at: datetime, action: str, before: str, after: str, **extra: object
) -> None:
    entry = audit_record(
        actor=Actor(user_id=agent.pk, label=agent.email, via="web"),
        action=action,
        target=agent,
        before={"status": before},
        after={"status": after, **extra},
    )
    AuditEntry.objects.filter(pk=entry.pk).update(occurred_at=at)


def dataset_build(tenant: Tenant) -> Dataset:
    data = Dataset(tenant=tenant)
    with schema_context(tenant.schema_name):
        data.channels["whatsapp"] = Channel.objects.create(
            type=ChannelType.WHATSAPP, name="WhatsApp da Prefeitura", account_id=f"wa{tenant.pk}"
        )
        data.channels["webchat"] = Channel.objects.create(
            type=ChannelType.WEBCHAT, name="Chat do portal", account_id=f"wc{tenant.pk}"
        )
        for name in ("Saúde", "Tributos"):
            data.teams[name] = Team.objects.create(name=name)
        for name, team in (("Ana", "Saúde"), ("Bruno", "Saúde"), ("Carla", "Tributos")):
            data.agents[name] = _user(tenant, name, Role.AGENT)
            TeamMembership.objects.create(team=data.teams[team], user=data.agents[name])
        resolved = Disposition.objects.create(name="Resolvido")
        informed = Disposition.objects.create(name="Informação")
        ana, bruno, carla = data.agents["Ana"], data.agents["Bruno"], data.agents["Carla"]
        health, taxes = data.teams["Saúde"], data.teams["Tributos"]
        waiting, assigned, closed = RoutingState.WAITING, RoutingState.ASSIGNED, RoutingState.CLOSED

        c1 = _conversation(data, "C1", "whatsapp", "Saúde", sp(10, 9), "+5511987650001")
        _event(c1, "queued", sp(10, 9), waiting, team=health)
        _event(c1, "assigned", sp(10, 9, 2), assigned, team=health, agent=ana)
        _event(
            c1,
            "transferred",
            sp(10, 9, 10),
            assigned,
            team=health,
            agent=bruno,
            from_agent=ana,
            actor=ana,
            reason="agent",
        )
        _event(
            c1,
            "closed",
            sp(10, 9, 30),
            closed,
            team=health,
            from_agent=bruno,
            actor=bruno,
            reason="agent",
            data={"disposition_id": resolved.pk, "disposition": resolved.name},
        )
        _event(
            c1,
            "survey_answered",
            sp(10, 9, 35),
            closed,
            team=health,
            data={"score": 5, "rated_agent_id": bruno.pk},
        )
        _message(tenant, c1, sp(10, 9, 0, 10), origin="contact")
        _message(tenant, c1, sp(10, 9, 0, 20), origin="bot")
        _message(tenant, c1, sp(10, 9, 3), origin="agent", sender=ana)
        _message(tenant, c1, sp(10, 9, 5), origin="contact")
        _message(tenant, c1, sp(10, 9, 12), origin="agent", sender=bruno)
        _message(tenant, c1, sp(10, 9, 29), origin="agent", sender=bruno, template=True)

        c2 = _conversation(data, "C2", "webchat", "Tributos", sp(10, 23, 30), "+5511987650002")
        _event(c2, "queued", sp(10, 23, 30), waiting, team=taxes)
        _event(c2, "assigned", sp(10, 23, 40), assigned, team=taxes, agent=carla)
        _event(
            c2,
            "closed",
            sp(10, 23, 55),
            closed,
            team=taxes,
            from_agent=carla,
            actor=carla,
            reason="agent",
            data={"disposition_id": informed.pk, "disposition": informed.name},
        )
        _event(
            c2,
            "survey_answered",
            sp(10, 23, 58),
            closed,
            team=taxes,
            data={"score": 3, "rated_agent_id": carla.pk},
        )
        _message(tenant, c2, sp(10, 23, 30), origin="contact")
        _message(tenant, c2, sp(10, 23, 41), origin="agent", sender=carla)
        _message(tenant, c2, sp(10, 23, 45), origin="contact")
        _message(tenant, c2, sp(10, 23, 54), origin="agent", sender=carla)

        c3 = _conversation(data, "C3", "whatsapp", "Saúde", sp(11, 10), "+5511987650003")
        _event(c3, "queued", sp(11, 10), waiting, team=health)
        _event(c3, "assigned", sp(11, 10, 6), assigned, team=health, agent=ana)
        _event(
            c3,
            "requeued",
            sp(11, 10, 20),
            waiting,
            team=health,
            from_agent=ana,
            actor=ana,
            reason="agent_logout",
        )
        _event(c3, "assigned", sp(11, 10, 24), assigned, team=health, agent=bruno)
        _event(
            c3,
            "timed_out",
            sp(11, 10, 50),
            closed,
            team=health,
            from_agent=bruno,
            reason="inactivity",
            data={"disposition_id": None, "disposition": ""},
        )
        _message(tenant, c3, sp(11, 10), origin="contact")
        _message(tenant, c3, sp(11, 10, 7), origin="agent", sender=ana)
        _message(tenant, c3, sp(11, 10, 25), origin="agent", sender=bruno)
        _message(tenant, c3, sp(11, 10, 40), origin="system", template=True)

        _agent_change(ana, sp(10, 8), "agent.login", "offline", "available", teams=[health.pk])
        _agent_change(ana, sp(10, 12), "agent.pause", "available", "paused", reason="Almoço")
        _agent_change(ana, sp(10, 13), "agent.available", "paused", "available")
        _agent_change(ana, sp(10, 15), "agent.pause", "available", "paused", reason="Café")
        _agent_change(ana, sp(10, 15, 10), "agent.logout", "paused", "offline", requeued=0)
        _agent_change(bruno, sp(11, 8), "agent.login", "offline", "available", teams=[health.pk])
        _agent_change(bruno, sp(11, 12), "agent.pause", "available", "paused", reason="Almoço")
        _agent_change(bruno, sp(11, 12, 30), "agent.available", "paused", "available")

        for sender, recipient, at in (
            (ana, bruno, sp(10, 9, 15)),
            (bruno, ana, sp(10, 9, 16)),
            (ana, bruno, sp(10, 9, 40)),
            (ana, bruno, sp(10, 14)),
            (carla, ana, sp(10, 23, 50)),
            (ana, carla, sp(11, 0, 10)),
            (bruno, carla, sp(11, 11)),
        ):
            InternalMessage.objects.create(
                sender=sender, recipient=recipient, text=CHAT_TEXT, created_at=at
            )

        for conversation, key, value, source, by, at in (
            (c1, "bairro", "Centro", "flow", None, sp(10, 9, 1)),
            (c1, "tipo_solicitacao", "Consulta", "agent", ana, sp(10, 9, 5)),
            (c1, "bairro", "Jardim América", "agent", ana, sp(10, 9, 20)),
            (c2, "bairro", "Centro", "flow", None, sp(10, 23, 31)),
            (c2, "telefone_contato", "(11) 98765-4321", "flow", None, sp(10, 23, 32)),
            (c3, "bairro", "Centro", "flow", None, sp(11, 10, 1)),
            (c3, "tipo_solicitacao", "Consulta", "api", None, sp(11, 10, 30)),
        ):
            CapturedData.objects.create(
                conversation=conversation,
                key=key,
                label=key.replace("_", " ").capitalize(),
                value=value,
                source=source,
                captured_by=by,
                captured_at=at,
            )
    return data

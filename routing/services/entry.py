"""Where a new conversation goes (6.5.35, 6.5.37.2, 6.5.54) and what an inbound message
means for routing (the pause auto-reply, 6.5.58.14). The pipeline calls these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from desk.models import Conversation, ConversationStatus, Message
from routing.models import (
    AgentState,
    AgentStatus,
    ConversationRouting,
    EventKind,
    OffHoursAction,
    OverflowAction,
    PauseNotice,
    RoutingState,
)
from routing.services.codenames import codename_redirect, codename_route
from routing.services.dispatch import (
    after_commit,
    agent_name,
    queue_dispatch,
    queue_notice_send,
    team_has_available_agent,
)
from routing.services.events import conversation_sync, event_record
from routing.services.hours import hours_verdict
from routing.services.notices import notice_send
from routing.services.surveys import surveys_supersede
from routing.services.teams import team_for_channel, team_serves_channel, team_settings
from routing.services.words import start_stop_match
from security.actors import Actor

ROUTER = Actor.system("roteamento")
MAX_HOPS = 5  # off-hours and overflow teams chained; a cycle stops at the first repeat


@dataclass(frozen=True)
class RoutingOutcome:
    """`queued` (waiting in `team_id`, maybe assigned right after commit), `direct` (waiting
    for the agent whose codename the citizen typed, 6.5.58.5), `closed` (off hours
    with the close option), `suppressed` (a start-stop word, 6.5.54), `already_routed` or
    `already_closed` (nothing done)."""

    result: str
    team_id: int | None
    notices: tuple[str, ...] = field(default_factory=tuple)


def after_route(conversation_id: int, team_id: int, notify: bool) -> None:
    """After commit: move the team's queue, then tell the citizen their position if they are
    still waiting (and were told nothing else)."""
    queue_dispatch(team_id)
    if notify:
        queue_notice_send(conversation_id)


def route_conversation(
    conversation: Conversation,
    *,
    first_text: str | None = None,
    now: datetime | None = None,
    actor: Actor = ROUTER,
    created_here: bool = False,
) -> RoutingOutcome:
    """Puts a conversation that needs a person into the right queue, once.

    Inside the team's business hours it waits in the team; outside them the team's choice
    applies: a message (keep waiting, or close) or another team. When the team has nobody
    available, its overflow applies: another team or a message. A first message that is a
    start-stop word (6.5.54) starts nothing: the conversation is closed at once, silently.
    Assignment happens after commit (the fair dispatcher), then the queue notice.

    `created_here`: the pipeline's case, a conversation the caller created (with its channel)
    in the transaction that is still open. Nobody else can see it yet, let alone route or
    close it, so it is not read again and its routing row is inserted without the savepoint
    that guards against a concurrent router; everything still commits or rolls back with the
    caller's transaction.
    """
    now = now or timezone.now()
    if created_here and not transaction.get_connection().in_atomic_block:
        raise RuntimeError("created_here needs the transaction that created the conversation")
    with transaction.atomic(savepoint=not created_here):
        if not created_here:
            conversation = Conversation.objects.select_related("channel").get(pk=conversation.pk)
            if conversation.status == ConversationStatus.CLOSED:
                return RoutingOutcome(result="already_closed", team_id=conversation.team_id)
        routing = ConversationRouting(
            conversation=conversation,
            state=RoutingState.WAITING,
            team_id=conversation.team_id or team_for_channel(conversation.channel).pk,
            waiting_since=now,
            first_queued_at=now,
        )
        if created_here:
            routing.save(force_insert=True)
        else:
            try:
                with transaction.atomic():
                    routing.save(force_insert=True)
            except IntegrityError:
                existing = ConversationRouting.objects.get(pk=conversation.pk)
                return RoutingOutcome(result="already_routed", team_id=existing.team_id)
        surveys_supersede(conversation.identity_id)

        word = start_stop_match(first_text)
        if word is not None:
            _close_silently(routing, actor, now, reason="start_stop_word", data={"word": word})
            return RoutingOutcome(result="suppressed", team_id=routing.team_id)

        # 6.5.58.5: an agent's codename skips the menu and the team's rules.
        if codename_route(routing, first_text, actor=actor, now=now):
            return RoutingOutcome("direct", routing.team_id)

        notices: list[str] = []
        visited = [routing.team_id]
        for _hop in range(MAX_HOPS):
            team_id = int(routing.team_id or 0)
            settings = team_settings(team_id)
            verdict = hours_verdict(settings.business_hours, now)
            if not verdict.open:
                target = settings.off_hours_team_id
                if (
                    settings.off_hours_action == OffHoursAction.TEAM
                    and target
                    and target not in visited
                    and team_serves_channel(target, conversation.channel_id)
                ):
                    _hop_to(
                        routing,
                        target,
                        EventKind.OFF_HOURS,
                        actor,
                        now,
                        {"holiday": verdict.holiday},
                    )
                    visited.append(target)
                    continue
                group = settings.business_hours
                template = (
                    group.holiday_message
                    if verdict.holiday and group is not None and group.holiday_message
                    else (group.off_hours_message if group is not None else "")
                )
                if notice_send(
                    conversation, template, {"feriado": verdict.holiday}, purpose="off_hours"
                ):
                    notices.append("off_hours")
                if settings.off_hours_action == OffHoursAction.MESSAGE_CLOSE:
                    _close_silently(
                        routing, actor, now, reason="off_hours", data={"holiday": verdict.holiday}
                    )
                    return RoutingOutcome("closed", routing.team_id, tuple(notices))
                event_record(
                    routing=routing,
                    kind=EventKind.OFF_HOURS,
                    actor=actor,
                    at=now,
                    from_team_id=routing.team_id,
                    data={"holiday": verdict.holiday},
                )
                break
            if not team_has_available_agent(team_id):
                target = settings.overflow_team_id
                if (
                    settings.overflow_action == OverflowAction.TEAM
                    and target
                    and target not in visited
                    and team_serves_channel(target, conversation.channel_id)
                ):
                    _hop_to(routing, target, EventKind.OVERFLOWED, actor, now, {})
                    visited.append(target)
                    continue
                if settings.overflow_action == OverflowAction.MESSAGE:
                    if notice_send(conversation, settings.overflow_message, {}, purpose="overflow"):
                        notices.append("overflow")
                    event_record(
                        routing=routing,
                        kind=EventKind.OVERFLOWED,
                        actor=actor,
                        at=now,
                        from_team_id=routing.team_id,
                        data={"action": "message"},
                    )
            break

        if not (
            created_here
            and conversation.status == ConversationStatus.QUEUED
            and conversation.team_id == routing.team_id
            and conversation.closed_at is None
        ):
            # A conversation created queued in this team by the open transaction is already
            # in sync (invisible to everyone else, its row is what the caller wrote).
            conversation_sync(routing, at=now)
        event_record(
            routing=routing, kind=EventKind.QUEUED, actor=actor, at=now, data={"teams": visited}
        )
        after_commit(after_route, conversation.pk, routing.team_id, not notices)
        return RoutingOutcome("queued", routing.team_id, tuple(notices))


def _hop_to(
    routing: ConversationRouting,
    team_id: int,
    kind: str,
    actor: Actor,
    now: datetime,
    data: dict[str, object],
) -> None:
    from_team = routing.team_id
    routing.team_id = team_id
    routing.save(update_fields=["team"])
    event_record(
        routing=routing,
        kind=kind,
        actor=actor,
        at=now,
        from_team_id=from_team,
        data={**data, "action": "team"},
    )


def _close_silently(
    routing: ConversationRouting,
    actor: Actor,
    now: datetime,
    *,
    reason: str,
    data: dict[str, object],
) -> None:
    routing.state = RoutingState.CLOSED
    routing.waiting_since = None
    routing.closed_at = now
    routing.close_reason = reason
    routing.save()
    conversation_sync(routing, at=now)
    event_record(
        routing=routing,
        kind=EventKind.CLOSED,
        actor=actor,
        at=now,
        from_team_id=routing.team_id,
        reason=reason,
        data=data,
    )


def pause_auto_reply(conversation: Conversation, *, now: datetime | None = None) -> bool:
    """6.5.58.14: the citizen wrote while their agent is paused: the pause reason's message,
    once per pause and conversation. True when it was sent."""
    routing = ConversationRouting.objects.filter(
        pk=conversation.pk, state=RoutingState.ASSIGNED
    ).first()
    if routing is None or routing.agent_id is None:
        return False
    state = (
        AgentState.objects.select_related("pause__reason")
        .filter(pk=routing.agent_id, status=AgentStatus.PAUSED, pause__isnull=False)
        .first()
    )
    if state is None or state.pause is None:
        return False
    with transaction.atomic():
        _notice, created = PauseNotice.objects.get_or_create(
            pause=state.pause,
            conversation_id=conversation.pk,
            defaults={"sent_at": now or timezone.now()},
        )
        if not created:
            return False
        agent = User.objects.get(pk=routing.agent_id)
        sent = notice_send(
            conversation,
            state.pause.reason.auto_reply,
            {"agente": agent_name(agent), "motivo": state.pause.reason.name},
            purpose="pause",
        )
        return sent is not None


def inbound_received(
    *, conversation: Conversation, message: Message, created: bool
) -> RoutingOutcome | None:
    """The pipeline's one call per stored citizen message: a new conversation is routed
    (unless the flow runtime owns it), a message to a paused agent gets the auto-reply."""
    if created:
        return route_conversation(conversation, first_text=message.text, created_here=True)
    # 6.5.58.5: still waiting, never taken, and the citizen typed an agent's codename.
    held_team = codename_redirect(conversation, message.text, actor=ROUTER)
    if held_team is not None:
        return RoutingOutcome("direct", held_team)
    pause_auto_reply(conversation)
    return None

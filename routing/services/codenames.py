"""Agents' codenames (6.5.58.5): a citizen who writes an agent's codename goes straight to
that agent's queue, skipping the menu and the team's routing rules (hours, overflow).

- The match is the whole message, compared in normal form (case, accents and runs of spaces
  ignored, `routing.services.text.normalize`): "Ana Paula" matches "  ana  PAULA ".
- It applies to the first message of a new conversation, and to a later message while the
  conversation still waits and nobody has taken it yet (the citizen read the queue notice
  and then typed the codename).
- The conversation waits in one of the agent's teams (a team they are logged into, else one
  they belong to) with a `CodenameHold`: the fair dispatcher leaves it to that agent, who gets
  it as soon as they are available and below capacity (`codename_dispatch`, run first by every
  `queue_dispatch` of the team, so every existing trigger and the beat sweep move it too).
- Agent offline, paused or at capacity: by default the conversation waits for them. The
  agent's codename may say instead "follow the team" (`CodenameUnavailable.TEAM`): then the
  codename is ignored and the conversation is routed like any other. A supervisor can always
  assign or transfer a held conversation by hand; that spends the hold.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.permissions import has_capability
from desk.models import Conversation
from routing.errors import RoutingError
from routing.locks import lock_team_queue
from routing.models import (
    AgentCodename,
    AgentState,
    AgentStatus,
    CodenameHold,
    CodenameUnavailable,
    ConversationRouting,
    EventKind,
    RoutingState,
    TeamMembership,
)
from routing.services.access import require
from routing.services.dispatch import DISPATCH_ACTOR, after_commit, agent_load, assign
from routing.services.events import conversation_sync, event_record
from routing.services.text import normalize
from security.actors import Actor
from security.audit import audit_record

logger = logging.getLogger("routing.codenames")

CODENAME_MAX_LENGTH = 40
CODENAME_BATCH_LIMIT = 100


def codename_normalize(text: str | None) -> str:
    return normalize(text or "")


def agent_codename_set(
    *,
    actor: Actor,
    user: User,
    codename: str,
    when_unavailable: str = CodenameUnavailable.WAIT,
) -> AgentCodename | None:
    """Gives the agent this codename (unique in the tenant however it is written); an empty
    codename removes it. Returns the codename row, or None when removed."""
    require(actor, "manage_settings")
    codename = " ".join((codename or "").split())
    normalized = codename_normalize(codename)
    if when_unavailable not in CodenameUnavailable.values:
        raise RoutingError(_("Opção inválida."), code="invalid", field="when_unavailable")
    if len(codename) > CODENAME_MAX_LENGTH:
        raise RoutingError(
            _("O codinome tem no máximo %(count)d caracteres.") % {"count": CODENAME_MAX_LENGTH},
            code="codename_too_long",
            field="codename",
        )
    if codename and not any(char.isalnum() for char in normalized):
        raise RoutingError(
            _("O codinome precisa de pelo menos uma letra ou número."),
            code="codename_invalid",
            field="codename",
        )
    if codename and not has_capability(user, "serve"):
        raise RoutingError(
            _("Só usuários com permissão de atender podem ter codinome."),
            code="codename_not_agent",
            field="codename",
        )
    existing = AgentCodename.objects.filter(user=user).first()
    before = (
        {"codename": existing.codename, "when_unavailable": existing.when_unavailable}
        if existing
        else {"codename": ""}
    )
    try:
        with transaction.atomic():
            if not codename:
                if existing is None:
                    return None
                existing.delete()
                row = None
                after: dict[str, str] = {"codename": ""}
            else:
                row, _created = AgentCodename.objects.update_or_create(
                    user=user,
                    defaults={
                        "codename": codename,
                        "normalized": normalized,
                        "when_unavailable": when_unavailable,
                    },
                )
                after = {"codename": row.codename, "when_unavailable": row.when_unavailable}
            if before != after:
                audit_record(
                    actor=actor,
                    action="agent.codename.set",
                    target=user,
                    before=before,
                    after=after,
                )
    except IntegrityError as error:
        raise RoutingError(
            _("Outro atendente já usa este codinome."), code="codename_taken", field="codename"
        ) from error
    return row


def codename_match(text: str | None) -> AgentCodename | None:
    """The active agent whose codename is exactly this message, in normal form."""
    normalized = codename_normalize(text)
    if not normalized or len(normalized) > CODENAME_MAX_LENGTH:
        return None
    return (
        AgentCodename.objects.select_related("user")
        .filter(normalized=normalized, user__is_active=True)
        .first()
    )


def _agent_can_take(user_id: int) -> bool:
    state = AgentState.objects.filter(pk=user_id).first()
    return (
        state is not None
        and state.status == AgentStatus.AVAILABLE
        and agent_load(user_id) < state.capacity
    )


def _agent_team_id(user_id: int, fallback: int | None) -> int | None:
    """Where the held conversation waits: a team the agent is logged into, else one they
    belong to, else where it already was."""
    memberships = TeamMembership.objects.filter(user_id=user_id).order_by(
        "-is_logged_in", "team_id"
    )
    team_id = memberships.values_list("team_id", flat=True).first()
    return team_id if team_id is not None else fallback


def _hold(
    routing: ConversationRouting, codename: AgentCodename, *, actor: Actor, now: datetime
) -> None:
    from_team_id = routing.team_id
    routing.team_id = _agent_team_id(codename.user_id, routing.team_id)
    routing.state = RoutingState.WAITING
    routing.waiting_since = routing.waiting_since or now
    routing.save()
    if routing.team_id is None:
        return
    CodenameHold.objects.update_or_create(
        routing=routing,
        defaults={"agent_id": codename.user_id, "team_id": routing.team_id, "created_at": now},
    )
    conversation_sync(routing, at=now)
    event_record(
        routing=routing,
        kind=EventKind.QUEUED,
        actor=actor,
        at=now,
        from_team_id=from_team_id,
        data={"codename_agent": codename.user_id, "teams": [routing.team_id]},
    )
    after_commit(_dispatch_team, int(routing.team_id))


def _dispatch_team(team_id: int) -> None:
    from routing.services.dispatch import queue_dispatch

    queue_dispatch(team_id)


def codename_route(
    routing: ConversationRouting, text: str | None, *, actor: Actor, now: datetime
) -> bool:
    """Called by `route_conversation` for a new conversation, inside its transaction with the
    routing row just created. True when the conversation now waits for the named agent."""
    codename = codename_match(text)
    if codename is None:
        return False
    if codename.when_unavailable == CodenameUnavailable.TEAM and not _agent_can_take(
        codename.user_id
    ):
        return False
    _hold(routing, codename, actor=actor, now=now)
    return routing.team_id is not None


def codename_redirect(
    conversation: Conversation, text: str | None, *, actor: Actor, now: datetime | None = None
) -> int | None:
    """A later message of a conversation that still waits, never taken: if it is a codename,
    the conversation goes to that agent's queue. The team it now waits in, or None."""
    codename = codename_match(text)
    if codename is None:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        routing = (
            ConversationRouting.objects.select_for_update()
            .filter(pk=conversation.pk, state=RoutingState.WAITING, first_assigned_at__isnull=True)
            .first()
        )
        if routing is None:
            return None
        held = CodenameHold.objects.filter(routing=routing).first()
        if (
            held is not None
            and held.team_id == routing.team_id
            and held.agent_id == codename.user_id
        ):
            return None
        if codename.when_unavailable == CodenameUnavailable.TEAM and not _agent_can_take(
            codename.user_id
        ):
            return None
        _hold(routing, codename, actor=actor, now=now)
        return routing.team_id


def codename_held(team_id: int) -> QuerySet[CodenameHold, Any]:
    """The team's waiting conversations kept for one agent (as `routing_id` values): the fair
    dispatcher leaves them alone."""
    return CodenameHold.objects.filter(
        team_id=team_id,
        routing__team_id=F("team_id"),
        routing__state=RoutingState.WAITING,
        routing__first_assigned_at__isnull=True,
    ).values("routing_id")


def _codename_dispatch_once(team_id: int, now: datetime) -> tuple[int, int] | None:
    """One held conversation of the team to its agent, under the same locks and order as the
    fair dispatcher (routing/locks.py): team, conversation row, agent row."""
    with transaction.atomic():
        lock_team_queue(team_id)
        candidates = (
            CodenameHold.objects.filter(
                team_id=team_id,
                routing__team_id=F("team_id"),
                routing__state=RoutingState.WAITING,
                routing__first_assigned_at__isnull=True,
                agent__is_active=True,
                agent__agent_state__status=AgentStatus.AVAILABLE,
            )
            .order_by("routing__waiting_since", "routing_id")
            .values_list("routing_id", "agent_id")[:CODENAME_BATCH_LIMIT]
        )
        for routing_id, agent_id in candidates:
            routing = (
                ConversationRouting.objects.select_for_update(skip_locked=True)
                .filter(
                    pk=routing_id,
                    team_id=team_id,
                    state=RoutingState.WAITING,
                    first_assigned_at__isnull=True,
                )
                .first()
            )
            if routing is None:
                continue
            state = AgentState.objects.select_for_update().filter(pk=agent_id).first()
            if (
                state is None
                or state.status != AgentStatus.AVAILABLE
                or agent_load(agent_id) >= state.capacity
            ):
                continue
            assign(
                routing=routing, agent_state=state, actor=DISPATCH_ACTOR, now=now, reason="codename"
            )
            return routing.conversation_id, agent_id
    return None


def codename_dispatch(team_id: int, *, now: datetime | None = None) -> list[tuple[int, int]]:
    """Gives the team's held conversations to their agents as far as each one's capacity
    allows; the rest keep waiting for them."""
    assigned: list[tuple[int, int]] = []
    for _step in range(CODENAME_BATCH_LIMIT):
        result = _codename_dispatch_once(team_id, now or timezone.now())
        if result is None:
            break
        assigned.append(result)
    return assigned


def codename_held_for_others(team_ids: list[int], user_id: int) -> QuerySet[CodenameHold, Any]:
    """Held conversations of these teams kept for someone other than `user_id` (as
    `routing_id` values): an agent pulling from the queue must skip them."""
    return (
        CodenameHold.objects.filter(
            team_id__in=team_ids,
            routing__team_id=F("team_id"),
            routing__state=RoutingState.WAITING,
            routing__first_assigned_at__isnull=True,
        )
        .exclude(agent_id=user_id)
        .values("routing_id")
    )

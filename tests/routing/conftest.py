"""Routing fixtures: everything runs inside tenant "alfa"'s schema; `desk` builds channels,
teams, agents and waiting conversations directly (the pipeline is exercised elsewhere)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import count
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from channels.models import Channel, ChannelType
from channels.services import WebChatSettings, channel_create
from desk.models import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    Origin,
    Team,
)
from desk.services.conversations import _next_conversation_id, protocol_format
from routing.models import TeamMembership, TeamSettings
from routing.services.agents import agent_login
from security.actors import Actor
from tenants.models import Tenant
from tests.pipeline.fixtures import (  # noqa: F401 - fixtures are found by name
    public_client,
    whatsapp_channel,
    whatsapp_sim,
)

_sequence = count(1)


def actor_of(user: User, via: str = "web") -> Actor:
    return Actor(user_id=user.pk, label=user.email, via=via)


class DeskFactory:
    """Builds the desk records routing works on, in the current (tenant) schema."""

    def __init__(self, tenant: Tenant, make_user: Callable[..., User]) -> None:
        self.tenant = tenant
        self._make_user = make_user
        self._channel: Channel | None = None

    def channel(self, **kwargs: Any) -> Channel:
        name = kwargs.pop("name", f"Chat {next(_sequence)}")
        return channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.WEBCHAT,
            name=name,
            webchat=WebChatSettings(allowed_origins=["https://www.alfa.gov.br"]),
            **kwargs,
        )

    @property
    def default_channel(self) -> Channel:
        if self._channel is None:
            self._channel = self.channel(name="Chat do portal")
        return self._channel

    def team(self, name: str | None = None, **settings: Any) -> Team:
        team = Team.objects.create(name=name or f"Equipe {next(_sequence)}")
        channels = settings.pop("channels", None)
        defaults = {"announce_agent": False, "queue_notice": "off"}
        row = TeamSettings.objects.create(team=team, **{**defaults, **settings})
        if channels:
            row.channels.set(channels)
        return team

    def user(self, role: str = Role.AGENT, name: str | None = None) -> User:
        user = self._make_user(self.tenant, role, email=f"{role}-{next(_sequence)}@alfa.gov.br")
        if name:
            User.objects.filter(pk=user.pk).update(full_name=name)
            user.full_name = name
        return user

    def agent(
        self,
        *teams: Team,
        name: str | None = None,
        capacity: int = 3,
        login: bool = True,
        role: str = Role.AGENT,
    ) -> User:
        user = self.user(role, name=name or f"Agente {next(_sequence)} Silva")
        for team in teams:
            TeamMembership.objects.create(team=team, user=user)
        from routing.models import AgentState

        AgentState.objects.create(user=user, capacity=capacity)
        if login and teams:
            agent_login(actor=Actor.command("tests"), user=user, teams=[t.pk for t in teams])
        return user

    def conversation(
        self,
        team: Team | None,
        *,
        channel: Channel | None = None,
        text: str = "Olá, preciso de ajuda",
        at: datetime | None = None,
    ) -> Conversation:
        channel = channel or self.default_channel
        now = at or timezone.now()
        number = next(_sequence)
        contact = Contact.objects.create(name=f"Cidadão {number}", created_at=now)
        identity = ContactIdentity.objects.create(
            contact=contact,
            channel=channel,
            external_id=f"v_{number}",
            last_inbound_at=timezone.now(),
            created_at=now,
        )
        conversation_id = _next_conversation_id()
        conversation = Conversation.objects.create(
            id=conversation_id,
            protocol=protocol_format(now, conversation_id),
            contact=contact,
            identity=identity,
            channel=channel,
            team=team,
            status=ConversationStatus.QUEUED,
            opened_at=now,
            last_message_at=now,
        )
        self.inbound(conversation, text, at=now)
        return conversation

    def inbound(self, conversation: Conversation, text: str, at: datetime | None = None) -> Message:
        return Message.objects.create(
            conversation=conversation,
            channel_id=conversation.channel_id,
            direction=Direction.INBOUND,
            kind=MessageKind.TEXT,
            text=text,
            provider_message_id=f"in-{next(_sequence)}",
            status=MessageStatus.RECEIVED,
            sender_contact_id=conversation.contact_id,
            origin=Origin.CONTACT,
            created_at=at or timezone.now(),
        )


class Api:
    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = getattr(self.client, method)(
            f"/api/routing{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers=self.headers,
        )
        return response.status_code, (response.json() if response.content else None)


@pytest.fixture
def api_for(
    client_for: Callable[..., Client], token_for: Callable[[Tenant, User], str], alfa: Tenant
) -> Callable[[User | None], Api]:
    def make(user: User | None, tenant: Tenant = alfa) -> Api:
        return Api(client_for(tenant), token_for(tenant, user) if user else None)

    return make


@pytest.fixture
def alfa(tenant_alfa: Tenant) -> Iterator[Tenant]:
    with schema_context(tenant_alfa.schema_name):
        yield tenant_alfa


@pytest.fixture
def desk(alfa: Tenant, make_user: Callable[..., User]) -> DeskFactory:
    return DeskFactory(alfa, make_user)


def outbound_texts(conversation: Conversation) -> list[str]:
    return list(
        Message.objects.filter(conversation=conversation, direction=Direction.OUTBOUND)
        .order_by("created_at", "id")
        .values_list("text", flat=True)
    )


def event_kinds(conversation: Conversation) -> list[str]:
    from routing.models import ConversationEvent

    return list(
        ConversationEvent.objects.filter(conversation=conversation)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )

"""Fixtures of the REST API tests (and of the agent page's): a client per kind of caller, and
a conversation opened by a citizen through the real intake.

`api` is parametrised indirectly with who calls: anonymous, other_tenant (a token of Beta's
administrator sent to Alfa's host) or a role of Alfa. An agent sees only the conversations of
their teams (desk.visibility), so `api_for(Role.AGENT)` makes them a member of the team every
channel queues for by default ("Atendimento"), or of the `teams` given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from channels.models import Channel
from channels.providers.webchat.simulator import build_webchat_message
from desk.models import Conversation, Team
from desk.services.teams import team_default
from routing.models import TeamMembership
from tenants.models import Tenant
from tests.conftest import MakeUser, host_of
from tests.pipeline.fixtures import WEBCHAT_ORIGIN, deliver, webchat_credentials

WHO = ["anonymous", "other_tenant", Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR]
ApiFor = Callable[..., Client]


def team_member(tenant: Tenant, user: User, teams: Sequence[Team] | None = None) -> None:
    """Makes `user` a member of `teams` (default: the team channels queue for by default)."""
    with schema_context(tenant.schema_name):
        for team in teams if teams is not None else [team_default()]:
            TeamMembership.objects.get_or_create(team=team, user=user)


@pytest.fixture
def api_for(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
) -> ApiFor:
    def make(who: str, teams: Sequence[Team] | None = None) -> Client:
        client = Client(HTTP_HOST=host_of(tenant_alfa))
        if who == "anonymous":
            return client
        if who == "other_tenant":
            token = token_for(tenant_beta, make_user(tenant_beta, Role.ADMIN))
        else:
            user = make_user(tenant_alfa, who)
            if who == Role.AGENT:
                team_member(tenant_alfa, user, teams)
            token = token_for(tenant_alfa, user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    return make


@pytest.fixture
def api(request: pytest.FixtureRequest, api_for: ApiFor) -> Client:
    return api_for(request.param)


ConversationOf = Callable[..., Conversation]


@pytest.fixture
def conversation_on(
    tenant_alfa: Tenant, public_client: Client, django_capture_on_commit_callbacks: Any
) -> ConversationOf:
    """A citizen writes on a WebChat channel, through the real intake: the conversation the
    pipeline opened for them."""

    def make(
        channel: Channel,
        visitor_id: str = "v_api_1",
        text: str = "Olá, preciso de ajuda",
        **kwargs: Any,
    ) -> Conversation:
        credentials = webchat_credentials(tenant_alfa, channel)
        delivery = build_webchat_message(
            credentials, visitor_id=visitor_id, text=text, origin=WEBCHAT_ORIGIN, **kwargs
        )
        # The worker's part (processing, the protocol notice's send) runs on commit.
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(
                public_client, f"/webhooks/webchat/{credentials.channel_key}", delivery
            )
        assert response.status_code == 200
        with schema_context(tenant_alfa.schema_name):
            return Conversation.objects.get(channel=channel, identity__external_id=visitor_id)

    return make

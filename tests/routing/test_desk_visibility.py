"""desk.visibility from routing's membership (6.5.37.6): an agent sees the conversations of
the teams they are a member of, and the ones of other teams they own or were invited into
(6.5.58.7) while that lasts; a supervisor sees everything."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from accounts.roles import Role
from desk.visibility import visible_to
from routing.models import TeamMembership
from routing.services.entry import route_conversation
from routing.services.lifecycle import conversation_invite, conversation_leave
from tests.routing.conftest import DeskFactory, actor_of

pytestmark = pytest.mark.django_db

Commit = Callable[..., AbstractContextManager[Any]]


def seen(user: Any) -> set[int]:
    return set(visible_to(user).conversations().values_list("pk", flat=True))


@pytest.mark.req("6.5.37.6")
@pytest.mark.req("6.5.58.7")
def test_agents_see_their_teams_and_what_they_were_invited_into(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # Given two teams, an agent in each (Bruno also a member of a third team, not logged in)
    saude, tributos, obras = desk.team("Saúde"), desk.team("Tributos"), desk.team("Obras")
    ana = desk.agent(saude, name="Ana Souza")
    bruno = desk.agent(tributos, name="Bruno Lima")
    TeamMembership.objects.create(team=obras, user=bruno)
    of_saude, of_tributos, of_obras = (
        desk.conversation(saude),
        desk.conversation(tributos),
        desk.conversation(obras),
    )
    for conversation in (of_saude, of_tributos):
        with django_capture_on_commit_callbacks(execute=True):
            route_conversation(conversation)

    # Then each sees their teams' conversations only (membership, logged in or not)
    assert seen(ana) == {of_saude.pk}
    assert seen(bruno) == {of_tributos.pk, of_obras.pk}
    assert visible_to(ana).sees_conversation(of_tributos) is False
    assert seen(desk.user(Role.SUPERVISOR)) >= {of_saude.pk, of_tributos.pk, of_obras.pk}
    assert seen(desk.user(Role.AUDITOR)) == set()

    # When Ana invites Bruno into her conversation, he sees it; when he leaves, no longer
    conversation_invite(actor=actor_of(ana), conversation=of_saude, agent=bruno)
    assert seen(bruno) == {of_saude.pk, of_tributos.pk, of_obras.pk}
    assert visible_to(bruno).sees_event({"teams": [saude.pk]}, of_saude.pk) is True
    assert visible_to(bruno).sees_event({"teams": [saude.pk]}, None) is False
    conversation_leave(actor=actor_of(bruno), conversation=of_saude)
    assert seen(bruno) == {of_tributos.pk, of_obras.pk}
    assert visible_to(bruno).sees_event({"teams": [saude.pk]}, of_saude.pk) is False

"""`manage.py seed_demo`: the demo municipality a newcomer gets from `make run` works as a demo
(its agents can receive what the simulator sends) and running it twice changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from accounts.models import User
from channels.models import Channel
from desk.models import Team
from routing.models import TeamMembership
from tenants.demo import DEMO_PASSWORD, DEMO_USERS
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _state(tenant: Tenant) -> tuple[int, int, list[tuple[str, str]]]:
    with schema_context(tenant.schema_name):
        members = sorted(TeamMembership.objects.values_list("team__name", "user__email").order_by())
        return User.objects.count(), Channel.objects.count(), members


def test_the_demo_agents_can_serve_what_the_simulator_sends_and_a_rerun_changes_nothing() -> None:
    call_command("seed_demo", slug="vitrine", stdout=StringIO())
    tenant = Tenant.objects.get(slug="vitrine")

    with schema_context(tenant.schema_name):
        teams = list(Team.objects.values_list("name", flat=True))
        for email, _name, _role, _label in DEMO_USERS:
            assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
    # Everyone whose role serves citizens (administrators too); the auditor only reads.
    serving = sorted(email for email, _name, role, _label in DEMO_USERS if role != "auditor")
    first = _state(tenant)
    assert teams
    assert first[2] == sorted((team, email) for team in teams for email in serving)

    call_command("seed_demo", slug="vitrine", stdout=StringIO())

    assert _state(tenant) == first

"""Round trips to PostgreSQL on the ingest hot path, counted exactly (issue 3, benchmark).

Every statement is a round trip, and on the webhook path they are most of the cost: these
counts lock in what the pipeline needs today, so a change that adds a query per message (an
N+1, a repeated settings read, a separate UPDATE that could be folded) fails here and has to
be argued for. The counts are of everything the connection sends, test artefacts included:
inside the test's transaction an `atomic()` block is a SAVEPOINT/RELEASE pair, and
django-tenants sets the search path before every cursor outside `search_path_pinned()`.

- a webhook at the intake: the host's tenant and the routing entry (each cached per process
  for a few seconds), one INSERT ... ON CONFLICT DO NOTHING, nothing else;
- the first message of a new citizen: contact, identity (created with its 24-hour window
  open), conversation with its protocol, message, usage record, routing entry and event, the
  protocol notice (message and outbox), the inbox row marked processed;
- a follow-up message: identity found and its window extended in one statement, the open
  conversation found and touched in one statement, message, usage record, routing checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from channels.intake import middleware as intake_middleware
from channels.intake import routing_cache
from channels.intake.models import InboxEvent, InboxStatus
from channels.models import Channel
from channels.providers.whatsapp.simulator import build_inbound_text
from desk.models import ContactIdentity, Conversation, Message, Outbox
from desk.services.inbound import inbox_event_process
from routing.models import ConversationRouting
from routing.services.teams import team_settings
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver, whatsapp_credentials

URL = "/webhooks/whatsapp"
CITIZEN = "5511988887777"

# Exact counts (see the module docstring for what each one is made of).
INTAKE_COLD = 10  # 4 x SET search_path, domain, routing entry, SAVEPOINT, INSERT, RELEASE
INTAKE_WARM = 6  # host's tenant and routing entry from the per-process caches
FIRST_MESSAGE = 30  # 25 statements of the event's transaction + 5 test artefacts (SET, SAVEPOINT)
FOLLOW_UP = 18  # 13 statements of the event's transaction + the same 5 artefacts


def _statements(context: CaptureQueriesContext) -> str:
    return "\n".join(query["sql"][:160] for query in context.captured_queries)


@pytest.fixture
def long_routing_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The routing entry and the webhook host's tenant are cached for a few seconds; long
    enough here that a slow machine never turns the warm request into a cold one."""
    monkeypatch.setattr(routing_cache, "CACHE_SECONDS", 3600.0)
    monkeypatch.setattr(intake_middleware, "CACHE_SECONDS", 3600.0)
    routing_cache.routing_cache_clear()
    intake_middleware.tenant_cache_clear()
    yield
    routing_cache.routing_cache_clear()
    intake_middleware.tenant_cache_clear()


def _post(
    client: Client, tenant: Tenant, channel: Channel, capture: Any, *, sender: str, text: str
) -> tuple[int, CaptureQueriesContext]:
    """One signed webhook through the real intake, its processing task kept from running;
    returns the stored event's id and the intake's queries."""
    credentials = whatsapp_credentials(tenant, channel)
    delivery = build_inbound_text(credentials, text=text, from_number=sender)
    with capture(execute=False) as queued, CaptureQueriesContext(connection) as queries:
        response = deliver(client, URL, delivery)
    assert response.status_code == 200, response.content
    assert len(queued) == 1  # the processing task, queued on commit
    event_id = InboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
    assert event_id is not None
    return int(event_id), queries


def _process(tenant: Tenant, event_id: int, capture: Any) -> CaptureQueriesContext:
    """Processes the event in its tenant's schema; its after-commit work is captured, not run."""
    with (
        schema_context(tenant.schema_name),
        capture(execute=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert inbox_event_process(event_id) == "processed"
    return queries


@pytest.mark.req("6.8.1")
def test_a_webhook_at_the_intake_costs_one_insert_and_two_lookups(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
    long_routing_cache: None,
) -> None:
    # Given a WhatsApp channel whose routing entry is not cached yet
    # When two webhooks arrive, one after the other
    _first_id, cold = _post(
        public_client,
        tenant_alfa,
        whatsapp_channel,
        django_capture_on_commit_callbacks,
        sender=CITIZEN,
        text="Bom dia",
    )
    _second_id, warm = _post(
        public_client,
        tenant_alfa,
        whatsapp_channel,
        django_capture_on_commit_callbacks,
        sender=CITIZEN,
        text="Ainda estou aqui",
    )
    # Then the first reads the routing entry and the second finds it cached
    assert len(cold) == INTAKE_COLD, _statements(cold)
    assert len(warm) == INTAKE_WARM, _statements(warm)
    inserts = [q["sql"] for q in warm.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "ON CONFLICT" in inserts[0]
    assert not any("intake_routingentry" in q["sql"] for q in warm.captured_queries)
    assert not any("tenants_domain" in q["sql"] for q in warm.captured_queries)
    assert InboxEvent.objects.filter(status=InboxStatus.RECEIVED).count() == 2


@pytest.mark.req("6.5.30")
def test_the_first_message_of_a_new_citizen_and_a_follow_up(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Callable[..., Any],
    long_routing_cache: None,
) -> None:
    capture = django_capture_on_commit_callbacks
    # Given the channel's team has its routing settings row (created once, by its first
    # conversation: three statements that are not per message)
    with schema_context(tenant_alfa.schema_name):
        team_settings(int(Channel.objects.get(pk=whatsapp_channel.pk).default_team_id or 0))
    # And a new citizen's first message, stored by the intake
    first_id, _intake = _post(
        public_client, tenant_alfa, whatsapp_channel, capture, sender=CITIZEN, text="Bom dia"
    )
    # When the worker processes it
    first = _process(tenant_alfa, first_id, capture)
    # Then everything it implies is written in exactly this many statements
    assert len(first) == FIRST_MESSAGE, _statements(first)

    # Given a follow-up of the same citizen
    follow_id, _intake = _post(
        public_client,
        tenant_alfa,
        whatsapp_channel,
        capture,
        sender=CITIZEN,
        text="Quero falar sobre o IPTU",
    )
    # When it is processed
    follow = _process(tenant_alfa, follow_id, capture)
    # Then it costs fewer statements still, with no separate look-up of what it updates
    assert len(follow) == FOLLOW_UP, _statements(follow)
    sql = [query["sql"] for query in follow.captured_queries]
    assert not any(s.startswith("SELECT") and "desk_conversation" in s for s in sql)
    assert not any(s.startswith("SELECT") and '"desk_contactidentity"' in s for s in sql)

    # And nothing the folded statements do was lost: the window, the touch, the metering
    with schema_context(tenant_alfa.schema_name):
        identity = ContactIdentity.objects.select_related("contact").get(external_id=CITIZEN)
        conversation = Conversation.objects.get(identity=identity)
        inbound = list(Message.objects.filter(direction="in").order_by("id"))
        notice = Message.objects.get(direction="out")
        assert [message.text for message in inbound] == ["Bom dia", "Quero falar sobre o IPTU"]
        assert identity.last_inbound_at is not None
        assert identity.last_inbound_at == max(
            message.provider_timestamp for message in inbound if message.provider_timestamp
        )
        assert conversation.status == "queued"
        assert conversation.last_message_at == inbound[-1].created_at
        assert notice.text.endswith(f"{conversation.protocol}.")
        assert Outbox.objects.filter(message=notice).count() == 1
        assert ConversationRouting.objects.get(pk=conversation.pk).state == "waiting"
    assert UsageRecord.objects.filter(tenant=tenant_alfa, direction="inbound").count() == 2
    # And the other tenant saw none of it
    with schema_context(tenant_beta.schema_name):
        assert Message.objects.count() == 0
        assert Conversation.objects.count() == 0
    assert UsageRecord.objects.filter(tenant=tenant_beta).count() == 0


def test_only_webhook_paths_use_the_cached_tenant(
    tenant_alfa: Tenant, public_client: Client, long_routing_cache: None
) -> None:
    # Given the public host's tenant cached by a webhook request
    public_client.post(URL, data=b"{}", content_type="application/json")
    # When another path of the same host is requested twice
    with CaptureQueriesContext(connection) as queries:
        public_client.get("/api/health")
        public_client.get("/api/health")
    # Then each request looks its tenant up again
    lookups = [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]
    assert len(lookups) == 2

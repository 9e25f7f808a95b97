"""The webhook intake round trip: a signed simulator webhook to the public URL, stored, never
processed, never metered, and purged (REQ 6.2.6, 6.2.9)."""

from __future__ import annotations

import functools
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import get_public_schema_name, schema_context

from billing.models import UsageRecord
from channels.intake import health
from channels.intake.models import InboxEvent, InboxStatus, RejectedWebhook, RoutingEntry
from channels.intake.services import PROBE_ACCOUNT_ID
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.simulator import build_inbound_text
from controlplane.probes import checks
from controlplane.probes.registry import OutcomeKind
from desk.models import Message
from desk.services.inbound import inbox_event_process
from desk.services.sweeps import inbox_sweep
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


class DjangoTransport(httpx.BaseTransport):
    """Answers the probe's HTTP request with the Django test client (same process, same test
    transaction), so the request runs the real URL conf, middleware and intake view.
    `tamper` replaces the signature header, as a misconfigured secret would."""

    def __init__(self, tamper: str | None = None) -> None:
        self.client = Client()
        self.tamper = tamper
        self.seen: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host + (f":{request.url.port}" if request.url.port else "")
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in {"host", "content-length", "content-type"}
        }
        if self.tamper is not None:
            headers["X-Hub-Signature-256"] = self.tamper
        path = request.url.raw_path.decode()
        self.seen.append((host, path))
        response = self.client.generic(
            request.method,
            path,
            data=request.read(),
            content_type=request.headers.get("content-type", ""),
            headers=headers,
            HTTP_HOST=host,
        )
        return httpx.Response(response.status_code, content=response.content)


def _probe_events() -> list[InboxEvent]:
    return list(InboxEvent.objects.filter(account_id=PROBE_ACCOUNT_ID))


@pytest.mark.req("6.2.6")
def test_round_trip_posts_to_the_public_url_and_finds_the_event_stored() -> None:
    transport = DjangoTransport()

    trip = health.intake_round_trip(transport=transport, purge=False)

    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    assert transport.seen == [(f"{settings.BASE_DOMAIN}{port}", "/webhooks/whatsapp")]
    assert trip.http_status == 200
    event = InboxEvent.objects.get(event_key=trip.event_key)
    assert (event.provider, event.account_id, event.channel_id) == ("whatsapp", "status-probe", 0)
    assert event.tenant.schema_name == get_public_schema_name()
    assert event.received_at == trip.stored_at


def test_the_probe_route_is_created_once_with_its_own_secret() -> None:
    first = health.probe_route()
    second = health.probe_route()

    assert first.pk == second.pk
    assert RoutingEntry.objects.filter(account_id=PROBE_ACCOUNT_ID).count() == 1
    assert len(first.verification_secret) == 64
    assert first.tenant.schema_name == get_public_schema_name()


def test_probe_events_never_become_messages_nor_usage(
    tenant_alfa: Tenant, tenant_beta: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    usage_before = UsageRecord.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        trip = health.intake_round_trip(transport=DjangoTransport(), purge=False)

    event = InboxEvent.objects.get(event_key=trip.event_key)
    assert event.status == InboxStatus.PROCESSED
    assert event.processed_at == event.received_at
    assert inbox_sweep() == 0
    with schema_context(get_public_schema_name()):
        assert inbox_event_process(event.pk) == "skipped"
    for tenant in (tenant_alfa, tenant_beta):
        with schema_context(tenant.schema_name):
            assert Message.objects.filter(inbox_event_id=event.pk).count() == 0
    assert UsageRecord.objects.count() == usage_before


def test_the_probe_purges_its_own_event() -> None:
    trip = health.intake_round_trip(transport=DjangoTransport())

    assert trip.http_status == 200
    assert _probe_events() == []


@pytest.mark.req("6.2.9")
def test_a_wrong_signature_is_still_refused_and_fails_the_probe() -> None:
    transport = DjangoTransport(tamper="sha256=" + "0" * 64)

    with pytest.raises(health.IntakeRoundTripError, match="HTTP 401"):
        health.intake_round_trip(transport=transport)

    assert _probe_events() == []
    refused = RejectedWebhook.objects.get(account_id=PROBE_ACCOUNT_ID)
    assert (refused.reason, refused.count) == ("bad_signature", 1)


def test_a_body_signed_with_another_secret_is_refused_by_the_intake() -> None:
    health.probe_route()
    forged = build_inbound_text(
        WhatsAppCredentials(
            phone_number_id=PROBE_ACCOUNT_ID,
            business_account_id="",
            access_token="",
            app_secret="outro-segredo",
            verify_token="",
        ),
        text="forjado",
    )
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)

    response = client.post(
        "/webhooks/whatsapp",
        data=forged.body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": forged.headers["X-Hub-Signature-256"]},
    )

    assert response.status_code == 401
    assert _probe_events() == []


def test_an_unreachable_intake_fails_the_probe() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("recusou a conexão", request=request)

    with pytest.raises(health.IntakeRoundTripError, match="ConnectError: recusou a conexão"):
        health.intake_round_trip(transport=httpx.MockTransport(refuse))


@pytest.mark.req("6.2.6")
def test_the_registered_intake_probe_uses_the_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        health,
        "intake_round_trip",
        functools.partial(health.intake_round_trip, transport=DjangoTransport()),
    )

    outcome = checks.check_intake()

    assert outcome.kind == OutcomeKind.OK
    assert _probe_events() == []

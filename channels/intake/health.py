"""The intake's round trip, for the status probe (controlplane.probes.checks.check_intake).

A signed WhatsApp webhook, built by the provider simulator, is POSTed over HTTP to the
platform's own public URL, through the same view, verification and inbox as a real provider's.
It is addressed to the probe's own provider account: a routing entry reserved for it, with a
secret of its own, on the public tenant and no channel (`channel_id` 0), so no municipality's
channel is touched. The intake stores that account's events as already processed
(`services.inbox_store`): they never reach a tenant's worker, never become a message and are
never metered. The probe then checks the row is there and deletes it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from channels.intake.models import InboxEvent, RoutingEntry
from channels.intake.services import PROBE_ACCOUNT_ID, PROBE_CHANNEL_ID
from channels.providers.base import Provider
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.inbound import event_key
from channels.providers.whatsapp.simulator import build_inbound_text, new_wamid
from controlplane import conf
from tenants.models import Tenant

PROVIDER = Provider.WHATSAPP.value
# A run's own event is deleted at once; older leftovers (a run killed mid-way) after this long,
# so two overlapping runs never delete each other's event before it is checked.
LEFTOVER_AGE = timedelta(hours=1)


class IntakeRoundTripError(Exception):
    """The intake did not accept or did not store the probe's event."""


@dataclass(frozen=True)
class RoundTrip:
    event_key: str
    http_status: int
    stored_at: datetime


def probe_route() -> RoutingEntry:
    """The probe's routing entry, created once with a random secret (idempotent, race-safe)."""
    entry = RoutingEntry.objects.filter(provider=PROVIDER, account_id=PROBE_ACCOUNT_ID).first()
    if entry is not None:
        return entry
    public = Tenant.objects.get(schema_name=get_public_schema_name())
    try:
        with transaction.atomic():
            return RoutingEntry.objects.create(
                provider=PROVIDER,
                account_id=PROBE_ACCOUNT_ID,
                tenant=public,
                channel_id=PROBE_CHANNEL_ID,
                verification_secret=secrets.token_hex(32),
                is_active=True,
            )
    except IntegrityError:  # another process created it first: use theirs
        return RoutingEntry.objects.get(provider=PROVIDER, account_id=PROBE_ACCOUNT_ID)


def _credentials(entry: RoutingEntry) -> WhatsAppCredentials:
    return WhatsAppCredentials(
        phone_number_id=entry.account_id,
        business_account_id="",
        access_token="",
        app_secret=entry.verification_secret,
        verify_token="",
    )


def probe_events_purge(*, keys: tuple[str, ...] = (), now: datetime | None = None) -> int:
    """Deletes the given probe events and any probe event older than `LEFTOVER_AGE`."""
    now = now or timezone.now()
    stale = InboxEvent.objects.filter(
        provider=PROVIDER, account_id=PROBE_ACCOUNT_ID, received_at__lt=now - LEFTOVER_AGE
    )
    deleted, _detail = stale.delete()
    if keys:
        own, _detail = InboxEvent.objects.filter(
            provider=PROVIDER, account_id=PROBE_ACCOUNT_ID, event_key__in=keys
        ).delete()
        deleted += own
    return deleted


def intake_round_trip(
    *, transport: httpx.BaseTransport | None = None, purge: bool = True
) -> RoundTrip:
    """Sends one signed event to the public webhook URL; returns once it is stored, or raises.

    `transport` lets tests answer in-process; in production the request goes over the network
    to the platform's own public address, as a provider's would.
    """
    entry = probe_route()
    delivery = build_inbound_text(
        _credentials(entry),
        text="sonda de disponibilidade",
        from_number="0",
        name="Sonda",
        message_id=new_wamid(),
    )
    key = event_key(delivery.body)
    try:
        with httpx.Client(transport=transport, timeout=conf.probe_timeout_seconds()) as client:
            try:
                response = client.post(
                    conf.probe_intake_url(), content=delivery.body, headers=dict(delivery.headers)
                )
            except httpx.HTTPError as error:
                raise IntakeRoundTripError(f"{type(error).__name__}: {error}") from error
        if response.status_code != 200:
            raise IntakeRoundTripError(f"HTTP {response.status_code}: {response.text[:200]}")
        stored = (
            InboxEvent.objects.filter(provider=PROVIDER, account_id=PROBE_ACCOUNT_ID, event_key=key)
            .values_list("received_at", flat=True)
            .first()
        )
        if stored is None:
            raise IntakeRoundTripError(f"HTTP 200, mas o evento {key} não foi gravado")
        return RoundTrip(event_key=key, http_status=response.status_code, stored_at=stored)
    finally:
        if purge:
            probe_events_purge(keys=(key,))

"""Each channel's delivery probe: judged from the tenants' outboxes (REQ 6.2.6, 6.2.9)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from channels.models import Channel, ChannelMode, ChannelType
from channels.services import WebChatSettings, channel_create
from controlplane.models import ProbeState
from controlplane.probes.delivery import delivery_figures, delivery_outcome
from controlplane.probes.registry import OutcomeKind, probe_get
from controlplane.probes.runner import probes_run
from desk.models import Message, Outbox
from desk.models.messages import Direction, MessageStatus, Origin
from desk.services.contacts import identity_for_inbound
from desk.services.conversations import conversation_for_inbound
from security.actors import Actor
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)

Send = Callable[..., Outbox]


def _webchat(tenant: Tenant, *, mode: str = ChannelMode.LIVE) -> Channel:
    with schema_context(tenant.schema_name):
        return channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.WEBCHAT,
            name=f"Chat {mode}",
            mode=mode,
            webchat=WebChatSettings(allowed_origins=["https://www.alfa.gov.br"], greeting="Olá!"),
        )


@pytest.fixture
def send(tenant_alfa: Tenant) -> Send:
    """Queues one outbound message in `channel` of alfa, created `age` before NOW; `done` and
    `error` close its outbox row as sent (no error) or as a permanent failure."""

    def make(
        channel: Channel,
        *,
        age: timedelta,
        done: bool = False,
        error: str = "",
        external_id: str = "visitante-1",
    ) -> Outbox:
        created = NOW - age
        with schema_context(tenant_alfa.schema_name):
            identity, _new = identity_for_inbound(
                channel=channel, external_id=external_id, name="Maria", phone=None, now=created
            )
            conversation, _opened = conversation_for_inbound(
                identity=identity, channel=channel, now=created
            )
            message = Message.objects.create(
                conversation=conversation,
                channel=channel,
                direction=Direction.OUTBOUND,
                kind="text",
                text="Resposta",
                status=MessageStatus.FAILED if error else MessageStatus.QUEUED,
                origin=Origin.AGENT,
                created_at=created,
            )
            return Outbox.objects.create(
                message=message,
                next_attempt_at=created,
                created_at=created,
                done_at=created + timedelta(seconds=5) if done or error else None,
                last_error=error,
            )

    return make


@pytest.fixture
def delivery_settings(settings: Any) -> Any:
    settings.STATUS_DELIVERY_STUCK_SECONDS = 600
    settings.STATUS_DELIVERY_WINDOW_MINUTES = 15
    settings.STATUS_DELIVERY_MAX_FAILURE_RATIO = 0.5
    settings.STATUS_DELIVERY_MIN_SAMPLE = 4
    return settings


def test_each_contract_channel_has_its_delivery_probe() -> None:
    for slug in ("whatsapp", "telegram", "webchat"):
        probe = probe_get(f"delivery_{slug}")
        assert probe is not None
        assert probe.components == (f"channel.{slug}",)


@pytest.mark.req("6.2.6")
def test_delivery_is_ok_when_messages_leave_in_time(
    tenant_alfa: Tenant, send: Send, delivery_settings: Any
) -> None:
    channel = _webchat(tenant_alfa)
    send(channel, age=timedelta(minutes=2))
    send(channel, age=timedelta(minutes=5), done=True)

    outcome = delivery_outcome("webchat", now=NOW)

    assert outcome.kind == OutcomeKind.OK
    assert outcome.detail == "envio pendente mais antigo: 120 s; falhas: 0 de 1"


@pytest.mark.req("6.2.6")
@pytest.mark.req("6.2.9")
def test_a_message_stuck_beyond_the_threshold_fails_that_channel_only(
    tenant_alfa: Tenant, send: Send, delivery_settings: Any
) -> None:
    channel = _webchat(tenant_alfa)
    send(channel, age=timedelta(minutes=11))

    outcome = delivery_outcome("webchat", now=NOW)

    assert outcome.kind == OutcomeKind.FAILED
    assert outcome.detail.startswith("Envios parados há 660 s (limite 600 s);")
    assert delivery_outcome("whatsapp", now=NOW).kind == OutcomeKind.OK


def test_a_stuck_sandbox_channel_does_not_count(
    tenant_alfa: Tenant, send: Send, delivery_settings: Any
) -> None:
    sandbox = _webchat(tenant_alfa, mode=ChannelMode.SANDBOX)
    send(sandbox, age=timedelta(hours=2))

    assert delivery_figures("webchat", now=NOW).oldest_pending is None
    assert delivery_outcome("webchat", now=NOW).kind == OutcomeKind.OK


@pytest.mark.req("6.2.6")
def test_a_failure_ratio_above_the_limit_fails_once_the_sample_is_large_enough(
    tenant_alfa: Tenant, send: Send, delivery_settings: Any
) -> None:
    channel = _webchat(tenant_alfa)
    send(channel, age=timedelta(minutes=3), error="131026: Message undeliverable")
    send(channel, age=timedelta(minutes=4), error="131026: Message undeliverable")
    send(channel, age=timedelta(minutes=5), error="131026: Message undeliverable")
    assert delivery_outcome("webchat", now=NOW).kind == OutcomeKind.OK  # 3 < sample of 4

    send(channel, age=timedelta(minutes=6), done=True)
    send(channel, age=timedelta(minutes=40), error="old failure, outside the window")

    outcome = delivery_outcome("webchat", now=NOW)
    assert outcome.kind == OutcomeKind.FAILED
    assert outcome.detail == (
        "Falhas de envio acima de 50%; envio pendente mais antigo: 0 s; falhas: 3 de 4"
    )


@pytest.mark.req("6.2.9")
def test_the_runner_records_the_stuck_channel_as_failed(
    tenant_alfa: Tenant, send: Send, delivery_settings: Any
) -> None:
    channel = _webchat(tenant_alfa)
    send(channel, age=timedelta(hours=1))
    probe = probe_get("delivery_webchat")
    assert probe is not None

    probes_run(selected=[probe], now=timezone.now())

    assert ProbeState.objects.get(probe="delivery_webchat").last_outcome == "failed"

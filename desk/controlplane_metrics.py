"""What the desk reports to the operators' dashboard (REQ 6.2.13): today's conversations and
messages, and the sizes of its queues, per client.

Each provider runs inside the client's schema (controlplane.selectors.dashboard enters it) and
receives the start of today in America/Sao_Paulo; queue sizes are "now" and ignore it.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from controlplane.metrics import MetricProvider, register_metric_provider
from desk.models import Conversation, ConversationStatus, Message, Outbox
from tenants.models import Tenant


def conversations_today(tenant: Tenant, since: datetime) -> int:
    """Conversations opened since the start of today, whatever their state now."""
    return Conversation.objects.filter(opened_at__gte=since).count()


def messages_today(tenant: Tenant, since: datetime) -> int:
    """Messages received and sent since the start of today."""
    return Message.objects.filter(created_at__gte=since).count()


def conversations_queued(tenant: Tenant, since: datetime) -> int:
    """Conversations waiting in a team's queue for an agent now."""
    return Conversation.objects.filter(status=ConversationStatus.QUEUED).count()


def conversations_open(tenant: Tenant, since: datetime) -> int:
    """Conversations with an agent now."""
    return Conversation.objects.filter(status=ConversationStatus.OPEN).count()


def outbox_pending(tenant: Tenant, since: datetime) -> int:
    """Outbound messages accepted by the platform and not yet handed to the provider."""
    return Outbox.objects.filter(done_at__isnull=True).count()


def register() -> None:
    for provider in (
        MetricProvider("conversations_today", _("Atendimentos hoje"), conversations_today),
        MetricProvider("messages_today", _("Mensagens hoje"), messages_today),
        MetricProvider("conversations_queued", _("Na fila agora"), conversations_queued),
        MetricProvider("conversations_open", _("Em atendimento agora"), conversations_open),
        MetricProvider("outbox_pending", _("Envios pendentes"), outbox_pending),
    ):
        register_metric_provider(provider)

"""A citizen of tenant "alfa" talking on WebChat: contact, identity, an open conversation with
two messages (one with a stored image)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from channels.models import Channel
from desk.models import (
    Contact,
    ContactIdentity,
    Conversation,
    Direction,
    MediaFile,
    Message,
    MessageKind,
    MessageStatus,
    Origin,
)
from desk.services.media import media_file_store
from tenants.models import Tenant
from tests.pipeline.fixtures import webchat_channel  # noqa: F401 - fixture found by name

CPF = "529.982.247-25"
CPF_DIGITS = "52998224725"
EMAIL = "maria.silva@exemplo.com.br"
PHONE = "+5511987654321"


@dataclass
class Citizen:
    contact: Contact
    identity: ContactIdentity
    conversation: Conversation
    channel: Channel
    media: MediaFile


@pytest.fixture
def citizen(tenant_alfa: Tenant, webchat_channel: Channel) -> Citizen:  # noqa: F811
    now = timezone.now()
    with schema_context(tenant_alfa.schema_name):
        contact = Contact.objects.create(
            name="Maria da Silva", phone=PHONE, email=EMAIL, created_at=now - timedelta(days=2)
        )
        identity = ContactIdentity.objects.create(
            contact=contact,
            channel=webchat_channel,
            external_id="visitante-123",
            display_name="Maria",
            last_inbound_at=now,
            created_at=now - timedelta(days=2),
        )
        conversation = Conversation.objects.create(
            contact=contact,
            identity=identity,
            channel=webchat_channel,
            protocol="20261127-000901",
            opened_at=now - timedelta(hours=1),
            last_message_at=now,
        )
        media = media_file_store(
            content=b"\x89PNG\r\n\x1a\nimagem", mime_type="image/png", kind="image"
        )
        for index, text in enumerate([f"Meu CPF é {CPF}", "foto do buraco na rua"]):
            Message.objects.create(
                conversation=conversation,
                channel=webchat_channel,
                direction=Direction.INBOUND,
                kind=MessageKind.TEXT if index == 0 else MessageKind.IMAGE,
                text=text,
                media=media if index == 1 else None,
                status=MessageStatus.RECEIVED,
                sender_contact=contact,
                sender_name="Maria da Silva",
                origin=Origin.CONTACT,
                created_at=now - timedelta(minutes=10 - index),
            )
        return Citizen(contact, identity, conversation, webchat_channel, media)

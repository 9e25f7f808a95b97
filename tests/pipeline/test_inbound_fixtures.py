"""Every recorded provider payload, posted to the real webhook view with a valid signature, ends
as the right stored message (or status, or unknown event), with its media downloaded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from channels.intake.models import InboxEvent, InboxStatus
from channels.models import Channel
from channels.providers.base import WebhookDelivery
from channels.providers.telegram.adapter import SECRET_HEADER
from channels.providers.telegram.simulator import TelegramSimulator
from channels.providers.webchat.simulator import build_webchat_message
from channels.providers.whatsapp.simulator import WhatsAppSimulator
from channels.providers.whatsapp.webhook import SIGNATURE_HEADER, sign_body
from desk.models import Conversation, MediaStatus, Message, MessageEvent
from desk.services.media import media_file_store, webchat_upload_id
from tenants.models import Tenant
from tests.channels.providers.payloads import fixture_bytes, fixture_json
from tests.pipeline.fixtures import (
    deliver,
    telegram_credentials,
    webchat_credentials,
    whatsapp_credentials,
)

# fixture -> (kind, text, media id held by the provider, media type stored)
WHATSAPP_MESSAGES: dict[str, tuple[str, str, str | None, str | None]] = {
    "text": ("text", "Does it come in another color?", None, None),
    "text_product_enquiry": ("text", "Is this still available?", None, None),
    "image": ("image", "Taj Mahal", "1003383421387256", "image/jpeg"),
    "audio": ("audio", "", "1908647269898587", "audio/ogg"),
    "video": ("video", "Timelapse of growth", "731675419373506", "video/mp4"),
    "document": ("document", "my receipt", "622684793477189", "application/pdf"),
    "sticker": ("sticker", "", "1908647269898587", "image/webp"),
    "location": ("location", "", None, None),
    "contacts": ("contacts", "", None, None),
    "interactive_button_reply": ("interactive", "Cancel", None, None),
    "interactive_list_reply": ("interactive", "Priority Mail Express", None, None),
    "button": ("button", "Unsubscribe", None, None),
    "reaction": ("reaction", "", None, None),
    "reaction_removed": ("reaction", "", None, None),
    "unsupported": ("unsupported", "", None, None),
}
WHATSAPP_STATUSES = {
    "status_sent": "sent",
    "status_delivered": "delivered",
    "status_read": "read",
    "status_failed": "failed",
}
# fixture -> (kind, text, file id in the update, file path served by the Bot API)
TELEGRAM_MESSAGES: dict[str, tuple[str, str, str | None, str | None]] = {
    "message_text": ("text", "/start", None, None),
    "message_reply": ("text", "/start", None, None),
    "message_forwarded": ("text", "/start", None, None),
    "message_photo": (
        "image",
        "Buraco na Rua das Flores",
        "AgACAgEAAxkBAAIBZ2VwAAFlarge",
        "photos/file_1.jpg",
    ),
    "message_audio": ("audio", "", "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", "music/file_2.mp3"),
    "message_voice": ("audio", "", "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", "voice/file_3.oga"),
    "message_video": ("video", "", "BAACAgEAAxkBAAIBaGVwAAFvideo", "videos/file_4.mp4"),
    "message_document": ("document", "", "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", "documents/file_5.pdf"),
    "message_sticker": ("sticker", "👍", "CAACAgIAAxkBAAIBaWVwAAFsticker", "stickers/file_6.webp"),
    "message_location": ("location", "", None, None),
    "message_contact": ("contacts", "", None, None),
    "callback_query": ("interactive", "Data from button callback", None, None),
}
TELEGRAM_UNKNOWN = {"edited_message": "edited_message", "inline_query": "inline_query"}
FILE_CONTENT = b"conteudo-do-arquivo-de-teste"


def _inbound(tenant: Tenant) -> list[Message]:
    with schema_context(tenant.schema_name):
        return list(Message.objects.filter(direction="in").select_related("media"))


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("name", sorted(WHATSAPP_MESSAGES))
def test_whatsapp_fixture_becomes_its_message(
    name: str,
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    kind, text, media_id, mime_type = WHATSAPP_MESSAGES[name]
    if media_id is not None:
        assert mime_type is not None
        whatsapp_sim.add_media(FILE_CONTENT, mime_type, media_id=media_id)
    body = fixture_bytes("whatsapp", name)
    secret = whatsapp_credentials(tenant_alfa, whatsapp_channel).app_secret
    delivery = WebhookDelivery(body=body, headers={SIGNATURE_HEADER: sign_body(body, secret)})

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(public_client, "/webhooks/whatsapp", delivery)

    assert response.status_code == 200
    assert InboxEvent.objects.get().status == InboxStatus.PROCESSED
    [message] = _inbound(tenant_alfa)
    assert (message.kind, message.text, message.status) == (kind, text, "received")
    payload = fixture_json("whatsapp", name)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message.provider_message_id == payload["id"]
    if media_id is None:
        assert (message.media_status, message.media) == ("", None)
    else:
        assert message.media_status == MediaStatus.STORED
        assert message.media is not None
        assert (message.media.mime_type, message.media.size) == (mime_type, len(FILE_CONTENT))
        with message.media.file.open("rb") as stored:
            assert stored.read() == FILE_CONTENT
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get()
        assert conversation.identity.external_id == "16505551234"
        assert conversation.team_id == whatsapp_channel.default_team_id


@pytest.mark.parametrize("name", sorted(WHATSAPP_STATUSES))
def test_whatsapp_status_fixture_is_recorded(
    name: str,
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    body = fixture_bytes("whatsapp", name)
    secret = whatsapp_credentials(tenant_alfa, whatsapp_channel).app_secret

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            public_client,
            "/webhooks/whatsapp",
            WebhookDelivery(body=body, headers={SIGNATURE_HEADER: sign_body(body, secret)}),
        )

    assert response.status_code == 200
    assert InboxEvent.objects.get().status == InboxStatus.PROCESSED
    with schema_context(tenant_alfa.schema_name):
        # a status for a message this tenant never sent is kept, waiting for its message
        event = MessageEvent.objects.get()
    assert (event.status, event.message_id, event.applied) == (WHATSAPP_STATUSES[name], None, False)


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("name", sorted(TELEGRAM_MESSAGES))
def test_telegram_fixture_becomes_its_message(
    name: str,
    tenant_alfa: Tenant,
    telegram_channel: Channel,
    telegram_sim: TelegramSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    kind, text, file_id, file_path = TELEGRAM_MESSAGES[name]
    body = fixture_bytes("telegram", name)
    if file_id is not None:
        assert file_path is not None
        served_id = telegram_sim.add_file(FILE_CONTENT, file_path)
        body = body.replace(f'"{file_id}"'.encode(), f'"{served_id}"'.encode())
    secret = telegram_credentials(tenant_alfa, telegram_channel).secret_token

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            public_client,
            f"/webhooks/telegram/{telegram_channel.account_id}",
            WebhookDelivery(body=body, headers={SECRET_HEADER: secret}),
        )

    assert response.status_code == 200
    assert InboxEvent.objects.get().status == InboxStatus.PROCESSED
    [message] = _inbound(tenant_alfa)
    assert (message.kind, message.text) == (kind, text)
    if file_id is None:
        assert message.media is None
    else:
        assert message.media_status == MediaStatus.STORED
        assert message.media is not None
        assert message.media.size == len(FILE_CONTENT)


@pytest.mark.parametrize("name", sorted(TELEGRAM_UNKNOWN))
def test_telegram_unmapped_update_is_recorded_unknown(
    name: str,
    tenant_alfa: Tenant,
    telegram_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    secret = telegram_credentials(tenant_alfa, telegram_channel).secret_token

    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client,
            f"/webhooks/telegram/{telegram_channel.account_id}",
            WebhookDelivery(body=fixture_bytes("telegram", name), headers={SECRET_HEADER: secret}),
        )

    event = InboxEvent.objects.get()
    assert (event.status, event.unknown_types) == (InboxStatus.UNKNOWN, [TELEGRAM_UNKNOWN[name]])
    assert _inbound(tenant_alfa) == []


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("message_text", [("text", "Bom dia, quero saber do IPTU.")]),
        ("message_attachment", [("document", "Segue o comprovante")]),
        ("message_attachments", [("image", "Fotos do buraco"), ("image", "")]),
    ],
)
def test_webchat_fixture_becomes_its_messages(
    name: str,
    expected: list[tuple[str, str]],
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = webchat_credentials(tenant_alfa, webchat_channel)
    payload = fixture_json("webchat", name)
    uploads = []
    with schema_context(tenant_alfa.schema_name):
        # the widget uploads each attachment first and sends back the ids it was given
        for attachment in payload.get("attachments", []):
            upload = media_file_store(
                content=FILE_CONTENT,
                mime_type=attachment["mime_type"],
                kind="document" if attachment["mime_type"] == "application/pdf" else "image",
                original_name=attachment["filename"],
            )
            attachment["upload_id"] = webchat_upload_id(upload)
            uploads.append(upload.pk)
    signed = build_webchat_message(credentials, visitor_id=payload["visitor_id"], text="x")
    payload["channel_key"] = credentials.channel_key
    body = json.dumps(payload).encode()

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            public_client,
            f"/webhooks/webchat/{webchat_channel.account_id}",
            WebhookDelivery(body=body, headers=signed.headers),
        )

    assert response.status_code == 200
    messages = sorted(_inbound(tenant_alfa), key=lambda message: message.provider_message_id or "")
    assert [(message.kind, message.text) for message in messages] == expected
    assert [message.media_id for message in messages if message.media_id] == uploads

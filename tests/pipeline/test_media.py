"""Inbound media: downloaded through the adapter into tenant storage, limits on size and type
with clear reasons on the message, storage reported to billing."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from billing.models import StorageUsage
from channels.models import Channel
from channels.providers.whatsapp.simulator import WhatsAppSimulator, build_inbound_media
from desk.models import MediaFile, Message
from desk.services.media import media_fetch
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver, whatsapp_credentials

PICTURE = b"\xff\xd8\xff\xe0" + b"foto-do-buraco" * 200  # 2,804 bytes


def _send_media(
    client: Client,
    tenant: Tenant,
    channel: Channel,
    capture: Any,
    *,
    kind: str,
    media_id: str,
    mime_type: str,
) -> Message:
    credentials = whatsapp_credentials(tenant, channel)
    with capture(execute=True):
        response = deliver(
            client,
            "/webhooks/whatsapp",
            build_inbound_media(credentials, kind=kind, media_id=media_id, mime_type=mime_type),
        )
    assert response.status_code == 200
    with schema_context(tenant.schema_name):
        return Message.objects.select_related("media").get(direction="in")


def _image_bytes(tenant: Tenant) -> int:
    usage = StorageUsage.objects.filter(tenant=tenant, media_type="image").first()
    return usage.bytes_used if usage else 0


def test_inbound_image_is_stored_in_tenant_storage_and_metered(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    media_id = whatsapp_sim.add_media(PICTURE, "image/jpeg")
    before = _image_bytes(tenant_alfa)

    message = _send_media(
        public_client,
        tenant_alfa,
        whatsapp_channel,
        django_capture_on_commit_callbacks,
        kind="image",
        media_id=media_id,
        mime_type="image/jpeg",
    )

    assert (message.media_status, message.error_code) == ("stored", "")
    media = message.media
    assert media is not None
    assert (media.kind, media.mime_type, media.size) == ("image", "image/jpeg", len(PICTURE))
    assert str(media.file.name).startswith("alfa/media/")
    assert str(media.file.name).endswith(".jpg")
    with media.file.open("rb") as stored:
        assert stored.read() == PICTURE
    assert _image_bytes(tenant_alfa) == before + len(PICTURE)


def test_file_over_the_size_limit_is_refused_with_a_clear_reason(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.MEDIA_MAX_BYTES = {**settings.MEDIA_MAX_BYTES, "image": 1024}
    media_id = whatsapp_sim.add_media(PICTURE, "image/jpeg")

    message = _send_media(
        public_client,
        tenant_alfa,
        whatsapp_channel,
        django_capture_on_commit_callbacks,
        kind="image",
        media_id=media_id,
        mime_type="image/jpeg",
    )

    assert (message.media_status, message.media, message.error_code) == (
        "failed",
        None,
        "media_too_large",
    )
    assert message.error_message == "Arquivo recebido maior que o limite de 1 KB para imagens."
    with schema_context(tenant_alfa.schema_name):
        assert MediaFile.objects.count() == 0
    # refused from the declared size, before the bytes were pulled
    assert not any(request.path.startswith("/media-download/") for request in whatsapp_sim.requests)


def test_file_of_a_type_not_accepted_is_refused_before_download(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    media_id = whatsapp_sim.add_media(b"MZ...", "application/x-msdownload")
    requests_before = len(whatsapp_sim.requests)

    message = _send_media(
        public_client,
        tenant_alfa,
        whatsapp_channel,
        django_capture_on_commit_callbacks,
        kind="document",
        media_id=media_id,
        mime_type="application/x-msdownload",
    )

    assert (message.media_status, message.error_code) == ("failed", "media_type_not_allowed")
    assert message.error_message == (
        "Tipo de arquivo não aceito para documentos: application/x-msdownload."
    )
    # only the protocol notice went to the provider; no media lookup
    assert [r.path for r in whatsapp_sim.requests[requests_before:]] == [
        f"/v21.0/{whatsapp_sim.phone_number_id}/messages"
    ]


def test_a_transient_provider_error_is_retried(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    media_id = whatsapp_sim.add_media(PICTURE, "image/jpeg")
    with mock.patch("desk.services.inbound.media_queue"):  # the download task runs below
        message = _send_media(
            public_client,
            tenant_alfa,
            whatsapp_channel,
            django_capture_on_commit_callbacks,
            kind="image",
            media_id=media_id,
            mime_type="image/jpeg",
        )
    whatsapp_sim.fail_next("server_error")

    with schema_context(tenant_alfa.schema_name), django_capture_on_commit_callbacks():
        first = media_fetch(message.pk, final_attempt=False)
        pending = Message.objects.get(pk=message.pk).media_status
        second = media_fetch(message.pk, final_attempt=False)
        third = media_fetch(message.pk)

    assert (first, pending, second, third) == ("retry", "pending", "stored", "skipped")


@pytest.mark.parametrize(
    ("size", "text"), [(500, "500 bytes"), (1536, "1,5 KB"), (16 * 1024 * 1024, "16 MB")]
)
def test_sizes_read_the_brazilian_way(size: int, text: str) -> None:
    from desk.services.media import _megabytes

    assert _megabytes(size) == text

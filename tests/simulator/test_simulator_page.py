"""The provider simulator (6.8.5): an administrator acts as a citizen on a sandbox channel.

Everything goes over real HTTP through the live server: the page posts a signed webhook to the
public intake URL, the platform answers through the channel, which in sandbox mode sends to the
built-in simulator, which posts signed delivery statuses back."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from channels.intake.models import InboxEvent
from channels.models import Channel
from channels.sandbox import state
from desk.models import Conversation, Message
from tenants.models import Tenant

pytestmark = [pytest.mark.usefixtures("committed"), pytest.mark.req("6.8.5")]


def _wait(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def _citizen_of(page: Client, channel: Channel) -> str:
    return str(page.session["sandbox_citizen"][str(channel.pk)]["id"])


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.req("6.5.30")
def test_a_citizen_on_whatsapp_gets_the_protocol_and_the_statuses_come_back(
    admin_page: Client, live_tenant: Tenant, sandbox_whatsapp: Channel
) -> None:
    # Given the simulator page of a sandbox WhatsApp channel
    page = admin_page.get(f"/canais/simulador/{sandbox_whatsapp.pk}/")
    assert page.status_code == 200
    citizen = _citizen_of(admin_page, sandbox_whatsapp)

    # When the administrator, as the citizen, sends a message
    sent = admin_page.post(
        f"/canais/simulador/{sandbox_whatsapp.pk}/enviar", {"text": "Tem um buraco na minha rua"}
    )
    assert sent.status_code == 302

    # Then it came in through the real intake, with the right signature
    event = InboxEvent.objects.filter(tenant=live_tenant, account_id=sandbox_whatsapp.account_id)
    assert event.count() == 1
    assert event.get().headers["X-Hub-Signature-256"].startswith("sha256=")
    with schema_context(live_tenant.schema_name):
        conversation = Conversation.objects.get(channel=sandbox_whatsapp)
        assert conversation.identity.external_id == citizen
        notice = Message.objects.get(conversation=conversation, direction="out")

    # And the platform's answer reached the simulator, which reported sent, delivered, read
    def read() -> bool:
        with schema_context(live_tenant.schema_name):
            notice.refresh_from_db()
        return notice.status == "read"

    assert _wait(read)
    assert (notice.provider_message_id or "").startswith("wamid.")
    transcript = admin_page.get(f"/canais/simulador/{sandbox_whatsapp.pk}/conversa")
    html = transcript.content.decode()
    assert "Tem um buraco na minha rua" in html
    assert "recebida pela plataforma" in html
    assert conversation.protocol in html
    assert "enviada \u203a entregue \u203a lida" in html


def test_a_citizen_on_telegram_sends_a_photo_that_the_platform_downloads(
    admin_page: Client, live_tenant: Tenant, sandbox_telegram: Channel
) -> None:
    admin_page.get(f"/canais/simulador/{sandbox_telegram.pk}/")

    admin_page.post(
        f"/canais/simulador/{sandbox_telegram.pk}/enviar",
        {
            "text": "Olha a foto",
            "image": SimpleUploadedFile("rua.png", _png(), content_type="image/png"),
        },
    )

    with schema_context(live_tenant.schema_name):
        inbound = Message.objects.get(channel=sandbox_telegram, direction="in")
        reply = Message.objects.get(channel=sandbox_telegram, direction="out")
    assert (inbound.kind, inbound.text, inbound.media_status) == ("image", "Olha a foto", "stored")
    assert inbound.media is not None and inbound.media.size > 0
    # Telegram sends no receipts: accepted by the (simulated) Bot API is the final "sent".
    assert reply.status == "sent"
    assert re.fullmatch(r"\d+:\d+", reply.provider_message_id or "")
    assert (
        "recebida pela plataforma"
        in admin_page.get(f"/canais/simulador/{sandbox_telegram.pk}/conversa").content.decode()
    )


def test_a_provider_failure_can_be_rehearsed_and_shows_on_the_message(
    admin_page: Client, live_tenant: Tenant, sandbox_whatsapp: Channel
) -> None:
    admin_page.get(f"/canais/simulador/{sandbox_whatsapp.pk}/")
    queued = admin_page.post(f"/canais/simulador/{sandbox_whatsapp.pk}/falha", {"mode": "auth"})
    assert queued.status_code == 302
    assert state.failures_pending("whatsapp", sandbox_whatsapp.account_id) == ["auth"]

    admin_page.post(f"/canais/simulador/{sandbox_whatsapp.pk}/enviar", {"text": "Oi"})

    with schema_context(live_tenant.schema_name):
        notice = Message.objects.get(channel=sandbox_whatsapp, direction="out")
    assert notice.status == "failed"
    assert notice.error_code == "190"
    assert notice.error_message != ""
    assert state.failures_pending("whatsapp", sandbox_whatsapp.account_id) == []


def test_bad_input_on_the_page_is_refused_and_nothing_is_posted(
    admin_page: Client, live_tenant: Tenant, sandbox_whatsapp: Channel
) -> None:
    admin_page.get(f"/canais/simulador/{sandbox_whatsapp.pk}/")

    empty = admin_page.post(
        f"/canais/simulador/{sandbox_whatsapp.pk}/enviar", {"text": " "}, follow=True
    )
    not_image = admin_page.post(
        f"/canais/simulador/{sandbox_whatsapp.pk}/enviar",
        {
            "image": SimpleUploadedFile("nota.txt", b"texto", content_type="text/plain"),
        },
        follow=True,
    )

    assert "Escreva uma mensagem ou escolha uma imagem." in empty.content.decode()
    assert "imagem" in not_image.content.decode().lower()
    assert InboxEvent.objects.filter(account_id=sandbox_whatsapp.account_id).count() == 0


def test_the_simulate_command_posts_as_a_citizen_and_prints_the_answer(
    live_tenant: Tenant, sandbox_whatsapp: Channel, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command(
        "simulate",
        "--tenant",
        live_tenant.slug,
        "--channel",
        str(sandbox_whatsapp.pk),
        "--citizen",
        "5561988887777",
        "--text",
        "Pelo terminal",
        "--wait",
        "3",
    )

    output = capsys.readouterr().out
    with schema_context(live_tenant.schema_name):
        conversation = Conversation.objects.select_related("identity").get(channel=sandbox_whatsapp)
    assert "/webhooks/whatsapp: HTTP 200" in output
    assert (
        f"← text: Olá! Recebemos sua mensagem. O número do seu protocolo de atendimento é "
        f"{conversation.protocol}." in output
    )
    assert "✓ read" in output
    assert conversation.identity.external_id == "5561988887777"


def test_the_simulate_command_explains_itself() -> None:
    from channels.management.commands.simulate import Command

    help_text = Command().create_parser("manage.py", "simulate").format_help()

    for option in ("--tenant", "--channel", "--text", "--image", "--citizen", "--wait"):
        assert option in help_text
    assert "como se fosse um cidadão" in help_text

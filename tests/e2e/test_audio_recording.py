"""An agent on a phone records a voice message in the console (Chromium's fake microphone) and
the citizen gets it on WhatsApp as an Ogg/Opus voice note (6.5.64.4)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django_tenants.utils import schema_context

from desk.models import Conversation, Direction, Message
from routing.services.lifecycle import conversation_assign
from security.actors import Actor
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_console_e2e import (  # noqa: F401 - fixtures are found by name
    TIMEOUT_MS,
    Desk,
    _citizen_writes,
    _page,
    contexts,
    desk_setup,
)
from tests.live.server import LiveServer, tenant_host
from tests.push.ogg import ogg_opus_summary

pytestmark = pytest.mark.e2e

FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


@pytest.fixture
def browser_with_microphone() -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *FAKE_MICROPHONE]
        )
        yield chromium
        chromium.close()


@pytest.mark.req("6.5.64")
@pytest.mark.req("6.5.64.4")
def test_an_agent_records_one_second_of_audio_on_a_phone_and_the_citizen_gets_it(
    browser_with_microphone: Any,
    asgi_server: LiveServer,
    desk_setup: Desk,  # noqa: F811 - the fixture imported above
    contexts: list[Any],  # noqa: F811 - the fixture imported above
) -> None:
    from playwright.sync_api import expect

    # given a citizen's WhatsApp conversation assigned to the agent, open on a phone
    desk = desk_setup
    _citizen_writes(desk, asgi_server, "Pode mandar um áudio?", f"Rita {secrets.token_hex(2)}")
    with schema_context(desk.tenant.schema_name):
        conversation = Conversation.objects.get(channel=desk.channel)
        conversation_assign(
            actor=Actor(user_id=desk.supervisor.pk, label="sup", via="web"),
            conversation=conversation,
            agent=desk.agent,
        )
    phone = _page(
        browser_with_microphone,
        asgi_server,
        desk.tenant,
        desk.agent,
        contexts,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        permissions=["microphone"],
    )
    base = asgi_server.url_for(tenant_host(desk.tenant))
    phone.goto(f"{base}/console/c/{conversation.pk}/")
    record = phone.get_by_role("button", name="Gravar áudio")
    expect(record).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # when the agent records for a second and stops
    record.click()
    stop = phone.get_by_role("button", name="Parar e enviar")
    expect(stop).to_have_attribute("aria-pressed", "true")
    expect(phone.get_by_role("timer")).to_have_text("0:01", timeout=TIMEOUT_MS)
    stop.click()

    # then the conversation shows the audio message, stored as Ogg/Opus of about a second
    expect(phone.locator("#thread audio")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(phone.get_by_role("button", name="Gravar áudio")).to_be_visible()
    expect(phone.get_by_role("button", name="Descartar")).to_be_hidden()
    # the browser itself decodes what was stored
    duration = phone.evaluate(
        """async () => {
          const source = document.querySelector('#thread audio').getAttribute('src');
          const bytes = await (await fetch(source)).arrayBuffer();
          const decoded = await new OfflineAudioContext(1, 1, 48000).decodeAudioData(bytes);
          return decoded.duration;
        }"""
    )
    assert 0.9 <= duration <= 3.0
    with schema_context(desk.tenant.schema_name):
        message = Message.objects.select_related("media").get(
            conversation=conversation, direction=Direction.OUTBOUND, kind="audio"
        )
        assert message.media is not None
        assert message.media.mime_type == "audio/ogg"
        assert message.media.original_name.endswith(".ogg")
        with message.media.file.open("rb") as stored:
            content = stored.read()
    summary = ogg_opus_summary(content)
    assert summary.channels in (1, 2)
    assert 0.9 <= summary.seconds <= 3.0
    # a recording the agent discards is not sent
    phone.get_by_role("button", name="Gravar áudio").click()
    expect(phone.get_by_role("timer")).to_have_text("0:01", timeout=TIMEOUT_MS)
    phone.get_by_role("button", name="Descartar").click()
    expect(phone.locator("[data-audio-status]")).to_have_text("Gravação descartada.")
    expect(phone.locator("#thread audio")).to_have_count(1)
    # and the citizen's WhatsApp got it as audio, with a link the provider can fetch
    [sent] = [item for item in desk.simulator.sent if item.get("type") == "audio"]
    link = urlsplit(sent["audio"]["link"])
    fetched = httpx.get(
        f"{asgi_server.base_url}{link.path}",
        headers={"Host": tenant_host(desk.tenant)},
        timeout=10,
    )
    assert fetched.status_code == 200
    assert fetched.content == content

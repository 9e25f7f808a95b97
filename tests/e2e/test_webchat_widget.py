"""The WebChat widget in a real browser, embedded in a page of another origin (6.5.1, 6.5.30).

A tiny http.server on another port serves the municipality's "site" with the snippet; Chromium
opens it, a citizen writes (with an emoji) and sends a file; the agent page shows the
conversation, the agent replies, and the citizen sees the reply arrive live.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from accounts.roles import Role
from channels.models import Channel, ChannelType
from channels.services import WebChatSettings, channel_create
from desk.models import Conversation, Message
from routing.models import TeamMembership
from security.actors import Actor
from tenants.models import Tenant
from tests.live.server import LiveServer, make_committed_user, session_cookie, tenant_host

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("committed")]
# Playwright's sync API keeps an event loop running in this thread; the test's own database
# calls stay synchronous, so Django's guard against ORM use inside a loop is lifted.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000


class MunicipalSite:
    """Another origin: serves one page that embeds the widget snippet."""

    def __init__(self) -> None:
        self.html = b""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(site.html)))
                self.end_headers()
                self.wfile.write(site.html)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[MunicipalSite]:
    served = MunicipalSite()
    yield served
    served.stop()


@pytest.fixture
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.req("6.5.1")
@pytest.mark.req("6.5.30")
def test_a_citizen_chats_from_another_site_and_sees_the_agents_reply_live(
    chromium: Any,
    asgi_server: LiveServer,
    live_tenant: Tenant,
    site: MunicipalSite,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    # Given a WebChat channel that allows the municipality's site, and the site embedding it
    platform = asgi_server.url_for(tenant_host(live_tenant))
    with schema_context(live_tenant.schema_name):
        channel: Channel = channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.WEBCHAT,
            name=f"Chat da Prefeitura {secrets.token_hex(2)}",
            webchat=WebChatSettings(
                allowed_origins=(site.origin,), greeting="Olá! Em que podemos ajudar?"
            ),
        )
    site.html = (
        "<!doctype html><html lang='pt-br'><head><meta charset='utf-8'><title>Prefeitura</title>"
        "</head><body><h1>Portal da Prefeitura</h1>"
        f'<script src="{platform}/static/webchat/widget.js" data-channel="{channel.account_id}"'
        f' data-base="{platform}" async></script></body></html>'
    ).encode()

    # When a citizen opens the chat on the site and writes, with an emoji, then sends a file
    citizen = chromium.new_context().new_page()
    citizen.set_default_timeout(TIMEOUT_MS)
    citizen.goto(site.origin + "/")
    citizen.get_by_role("button", name="Atendimento").click()
    expect(citizen.locator(".theirs").first).to_contain_text("Olá! Em que podemos ajudar?")
    citizen.locator("textarea.text").fill("Oi! A coleta de lixo não passou 🗑️")
    citizen.locator("textarea.text").press("Enter")
    expect(citizen.locator(".mine .meta").first).to_have_text("enviada", timeout=TIMEOUT_MS)
    with schema_context(live_tenant.schema_name):
        conversation = Conversation.objects.get(channel=channel)

    # Then the widget shows the protocol number of the new conversation (6.5.30)
    expect(citizen.locator(".protocol")).to_have_text(
        f"Protocolo: {conversation.protocol}", timeout=TIMEOUT_MS
    )
    receipt = tmp_path / "comprovante.pdf"
    receipt.write_bytes(b"%PDF-1.4\n% comprovante\n")
    citizen.locator("input.file").set_input_files(str(receipt))
    citizen.locator("textarea.text").fill("Segue o comprovante")
    citizen.locator("button.send").click()
    expect(citizen.locator(".mine .meta").nth(1)).to_have_text("enviada", timeout=TIMEOUT_MS)

    # And the agent sees the conversation on the agent page and opens it
    agent_user = make_committed_user(live_tenant, Role.AGENT)
    with schema_context(live_tenant.schema_name):
        # An agent sees the conversations of their teams: this one serves the channel's.
        TeamMembership.objects.create(team_id=int(conversation.team_id or 0), user=agent_user)
    agent_context = chromium.new_context()
    agent_context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie(live_tenant, agent_user),
                "url": platform,
            }
        ]
    )
    agent = agent_context.new_page()
    agent.set_default_timeout(TIMEOUT_MS)
    agent.goto(platform + "/atendimento/")
    agent.get_by_role("link", name=conversation.protocol).click()
    expect(agent.locator("#thread")).to_contain_text("A coleta de lixo não passou 🗑️")
    expect(agent.locator("#thread")).to_contain_text("comprovante.pdf")

    # When the agent replies
    agent.get_by_label("Sua mensagem").fill("Já acionamos a equipe de limpeza. 🚛")
    agent.get_by_role("button", name="Enviar").click()

    # Then the citizen sees the reply arrive live, and the agent sees it sent
    expect(citizen.locator(".theirs").last).to_contain_text(
        "Já acionamos a equipe de limpeza. 🚛", timeout=TIMEOUT_MS
    )
    expect(agent.locator("#thread .bubble-out").last).to_contain_text("Enviada")
    with schema_context(live_tenant.schema_name):
        inbound = list(
            Message.objects.filter(conversation=conversation, direction="in")
            .order_by("pk")
            .values_list("kind", "text", "media_status")
        )
    assert inbound == [
        ("text", "Oi! A coleta de lixo não passou 🗑️", ""),
        ("document", "Segue o comprovante", "stored"),
    ]

"""A citizen writes on WhatsApp (a signed webhook built by the simulator, through the real
intake) and the agent's console shows it live; the supervisor assigns it from the monitor; the
agent answers and the answer reaches the simulated WhatsApp. Then the console on a phone."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from channels.models import Channel, ChannelMode, ChannelType
from channels.providers.whatsapp.simulator import WhatsAppSimulator, build_inbound_text
from channels.services import channel_create
from desk.models import Conversation, Team
from routing.models import TeamMembership, TeamSettings
from routing.services.agents import agent_login
from security.actors import Actor
from tenants.models import Tenant
from tests.live.server import (
    LiveServer,
    make_committed_user,
    session_cookie,
    tenant_host,
)
from tests.pipeline.fixtures import whatsapp_credentials

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 15_000


@dataclass
class Desk:
    tenant: Tenant
    channel: Channel
    agent: User
    supervisor: User
    simulator: WhatsAppSimulator


@pytest.fixture
def desk_setup(live_tenant: Tenant, committed: None, settings: Any) -> Iterator[Desk]:
    """A WhatsApp channel whose queue is team "Obras"; an agent allowed in "Obras" and
    "Geral" but logged into "Geral" only, so the citizen waits in the queue until assigned."""
    # A closed browser tab is noticed at the next heartbeat: keep it short, so the server is
    # idle before the database is blocked again.
    settings.LIVE_HEARTBEAT_SECONDS = 0.5
    tag = secrets.token_hex(3)
    # The committed tenant outlives the test: each run gets its own WhatsApp number.
    number = str(100_000_000_000_000 + secrets.randbelow(899_999_999_999_999))
    with (
        WhatsAppSimulator(phone_number_id=number) as simulator,
        schema_context(live_tenant.schema_name),
    ):
        works = Team.objects.create(name=f"Obras {tag}")
        general = Team.objects.create(name=f"Geral {tag}")
        for team in (works, general):
            # Stored first: settings created on the fly keep lazy texts routing cannot render.
            TeamSettings.objects.create(team=team)
        channel = channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.WHATSAPP,
            name=f"WhatsApp {tag}",
            mode=ChannelMode.SANDBOX,
            default_team=works,
            sandbox_base_url=simulator.base_url,
            credentials={
                "phone_number_id": simulator.phone_number_id,
                "business_account_id": simulator.business_account_id,
                "access_token": simulator.access_token,
                "app_secret": simulator.app_secret,
                "verify_token": simulator.verify_token,
            },
        )
        agent = make_committed_user(live_tenant, Role.AGENT)
        User.objects.filter(pk=agent.pk).update(full_name=f"Ana {tag}")
        agent.full_name = f"Ana {tag}"
        for team in (works, general):
            TeamMembership.objects.create(team=team, user=agent)
        agent_login(actor=Actor.command("tests"), user=agent, teams=[general.pk])
        supervisor = make_committed_user(live_tenant, Role.SUPERVISOR)
        yield Desk(live_tenant, channel, agent, supervisor, simulator)


@pytest.fixture
def contexts(committed: None) -> Iterator[list[Any]]:
    """Browser contexts, closed before the database is blocked again: their open live
    streams end with them."""
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _page(
    browser: Any,
    server: LiveServer,
    tenant: Tenant,
    user: User,
    contexts: list[Any],
    **options: Any,
) -> Any:
    host = tenant_host(tenant)
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo", **options)
    contexts.append(context)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session_cookie(tenant, user),
                "url": server.url_for(host),
            }
        ]
    )
    return context.new_page()


def _citizen_writes(desk: Desk, server: LiveServer, text: str, name: str) -> None:
    delivery = build_inbound_text(
        whatsapp_credentials(desk.tenant, desk.channel), text=text, name=name
    )
    response = httpx.post(
        f"{server.base_url}/webhooks/whatsapp",
        content=delivery.body,
        headers={**delivery.headers, "Host": django_settings.BASE_DOMAIN},
        timeout=10,
    )
    assert response.status_code == 200


@pytest.mark.req("6.5.58.1")
@pytest.mark.req("6.5.44.6")
@pytest.mark.req("6.5.58.3")
def test_a_whatsapp_message_reaches_the_console_live_and_the_agent_answers(
    browser: Any, asgi_server: LiveServer, desk_setup: Desk, contexts: list[Any]
) -> None:
    from playwright.sync_api import expect

    desk = desk_setup
    name = f"Maria {secrets.token_hex(2)}"
    console = _page(browser, asgi_server, desk.tenant, desk.agent, contexts)
    console.goto(asgi_server.url_for(tenant_host(desk.tenant)) + "/console/")
    expect(console.locator("[data-live-state]")).to_have_text(
        "Atualização automática: ativa.", timeout=TIMEOUT_MS
    )

    # the citizen writes; the waiting list shows it without a reload
    _citizen_writes(desk, asgi_server, "Tem um buraco na minha rua", name)
    waiting = console.locator('[data-list="waiting"]')
    expect(waiting).to_contain_text(name, timeout=TIMEOUT_MS)
    expect(waiting).to_contain_text("WhatsApp")

    # the supervisor assigns it to the agent from the monitor
    with schema_context(desk.tenant.schema_name):
        conversation = Conversation.objects.get(channel=desk.channel)
    monitor = _page(browser, asgi_server, desk.tenant, desk.supervisor, contexts)
    monitor.goto(asgi_server.url_for(tenant_host(desk.tenant)) + "/monitor/")
    expect(monitor.locator("[data-live-state]")).to_have_text(
        "Atualização automática: ativa.", timeout=TIMEOUT_MS
    )
    monitor.select_option(f"#assign-{conversation.pk}", str(desk.agent.pk))
    monitor.locator(f"form:has(#assign-{conversation.pk})").get_by_role(
        "button", name="Atribuir"
    ).click()
    agent_row = monitor.locator(
        "tr", has=monitor.get_by_role("rowheader", name=desk.agent.full_name)
    )
    expect(agent_row).to_contain_text(conversation.protocol, timeout=TIMEOUT_MS)

    # it moves to the agent's own list, live; the agent opens it and answers
    mine = console.locator('[data-list="mine"]')
    expect(mine).to_contain_text(name, timeout=TIMEOUT_MS)
    mine.get_by_role("link").first.click()
    expect(console.locator("#thread")).to_contain_text("Tem um buraco na minha rua")
    console.get_by_label("Sua resposta").fill("Olá! Já registramos o pedido.")
    console.get_by_role("button", name="Enviar").click()
    expect(console.locator("#thread")).to_contain_text(
        "Olá! Já registramos o pedido.", timeout=TIMEOUT_MS
    )
    sent = [item["text"]["body"] for item in desk.simulator.sent if item.get("type") == "text"]
    assert any(body.endswith("Olá! Já registramos o pedido.") for body in sent)


@pytest.mark.req("6.5.64")
@pytest.mark.req("6.5.58.6")
@pytest.mark.req("6.5.28")
def test_the_console_works_on_a_phone(
    browser: Any, asgi_server: LiveServer, desk_setup: Desk, contexts: list[Any]
) -> None:
    from playwright.sync_api import expect

    desk = desk_setup
    _citizen_writes(desk, asgi_server, "Bom dia", f"João {secrets.token_hex(2)}")
    with schema_context(desk.tenant.schema_name):
        conversation = Conversation.objects.get(channel=desk.channel)
        from routing.services.lifecycle import conversation_assign

        conversation_assign(
            actor=Actor(user_id=desk.supervisor.pk, label="sup", via="web"),
            conversation=conversation,
            agent=desk.agent,
        )
    phone = _page(
        browser,
        asgi_server,
        desk.tenant,
        desk.agent,
        contexts,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    base = asgi_server.url_for(tenant_host(desk.tenant))
    phone.goto(f"{base}/console/c/{conversation.pk}/")
    # nothing wider than the screen, and the composer is on screen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    expect(phone.get_by_label("Sua resposta")).to_be_visible()
    # the emoji picker inserts into the reply
    phone.get_by_role("button", name="Emoji").click()
    phone.get_by_role("button", name="positivo").click()
    expect(phone.get_by_label("Sua resposta")).to_have_value("👍")
    # the web app manifest is served for installation
    manifest = phone.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/console/",
        "/console/",
        "standalone",
    )

"""The whole journey of one citizen's request, in real browsers against the live ASGI server.

A citizen writes on WhatsApp (a signed webhook built by the provider simulator, through the real
intake); the message shows up in agent 1's waiting list; agent 1 joins the team, gets it and
answers; agent 1 transfers it to agent 2 with a note; the supervisor intervenes from the monitor
by writing to the citizen; agent 2 closes with a disposition and the citizen receives the
satisfaction survey. An agent of another team sees none of it, neither in the lists nor by URL.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from channels.models import Channel, ChannelMode, ChannelType
from channels.providers.whatsapp.simulator import WhatsAppSimulator, build_inbound_text
from channels.services import channel_create
from desk.models import Conversation, Team
from routing.models import (
    ConversationRouting,
    Disposition,
    RoutingState,
    TeamMembership,
    TeamSettings,
)
from routing.services.agents import agent_login
from security.actors import Actor
from tenants.models import Tenant
from tests.live.server import LiveServer, make_committed_user, session_cookie, tenant_host
from tests.pipeline.fixtures import whatsapp_credentials

pytestmark = pytest.mark.e2e

# The waiting list must show a citizen's message within 2 s (issue 6).
LIVE_MS = 2_000
# Everything else: generous, so a slow machine does not fail the journey.
TIMEOUT_MS = 15_000
SURVEY = "Como foi o atendimento de {agente}? Responda de 1 a 5."


@dataclass
class Journey:
    tenant: Tenant
    channel: Channel
    works: Team
    health: Team
    first: User
    second: User
    outsider: User
    supervisor: User
    disposition: Disposition
    simulator: WhatsAppSimulator


def _named_agent(tenant: Tenant, name: str) -> User:
    agent = make_committed_user(tenant, Role.AGENT)
    User.objects.filter(pk=agent.pk).update(full_name=name)
    agent.full_name = name
    return agent


@pytest.fixture
def journey(live_tenant: Tenant, committed: None, settings: Any) -> Iterator[Journey]:
    """Channel queue: team "Obras" (survey on). Agent 1 and agent 2 belong to "Obras" and are
    offline; the outsider belongs to "Saúde" only and is logged in there."""
    settings.LIVE_HEARTBEAT_SECONDS = 0.5
    tag = secrets.token_hex(3)
    number = str(100_000_000_000_000 + secrets.randbelow(899_999_999_999_999))
    with (
        WhatsAppSimulator(phone_number_id=number) as simulator,
        schema_context(live_tenant.schema_name),
    ):
        works = Team.objects.create(name=f"Obras {tag}")
        health = Team.objects.create(name=f"Saúde {tag}")
        TeamSettings.objects.create(team=works, survey_enabled=True, survey_message=SURVEY)
        TeamSettings.objects.create(team=health)
        disposition = Disposition.objects.create(name=f"Buraco na via {tag}")
        disposition.teams.add(works)
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
        first = _named_agent(live_tenant, f"Ana {tag}")
        second = _named_agent(live_tenant, f"Bruno {tag}")
        outsider = _named_agent(live_tenant, f"Carla {tag}")
        TeamMembership.objects.create(team=works, user=first)
        TeamMembership.objects.create(team=works, user=second)
        TeamMembership.objects.create(team=health, user=outsider)
        agent_login(actor=Actor.command("tests"), user=outsider, teams=[health.pk])
        supervisor = make_committed_user(live_tenant, Role.SUPERVISOR)
        yield Journey(
            live_tenant,
            channel,
            works,
            health,
            first,
            second,
            outsider,
            supervisor,
            disposition,
            simulator,
        )


@pytest.fixture
def contexts(committed: None) -> Iterator[list[Any]]:
    """Browser contexts, closed before the database is blocked again (their live streams end
    with them)."""
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


# Records the console's sound and browser notifications: a granted Notification, a hidden tab
# (notifications are for when the agent looks elsewhere) and a silent AudioContext.
ATTENTION_SPY = """
window.__notifications = []; window.__beeps = 0;
class SpyNotification {
  constructor(title, options) { window.__notifications.push({title: title, body: options && options.body}); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
}
window.Notification = SpyNotification;
Object.defineProperty(document, "hidden", { get: function () { return true; }, configurable: true });
class SpyAudio {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createOscillator() {
    return { frequency: {}, connect: function () {}, stop: function () {},
             start: function () { window.__beeps += 1; } };
  }
  createGain() { return { gain: {}, connect: function () {} }; }
}
window.AudioContext = SpyAudio;
"""


def _page(
    browser: Any,
    server: LiveServer,
    tenant: Tenant,
    user: User,
    contexts: list[Any],
    *,
    spy: bool = False,
) -> Any:
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo")
    contexts.append(context)
    if spy:
        context.add_init_script(ATTENTION_SPY)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session_cookie(tenant, user),
                "url": server.url_for(tenant_host(tenant)),
            }
        ]
    )
    return context.new_page()


def _live(page: Any, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("[data-live-state]")).to_have_text(
        "Atualização automática: ativa.", timeout=TIMEOUT_MS
    )


def _citizen_writes(journey: Journey, server: LiveServer, text: str, name: str) -> None:
    delivery = build_inbound_text(
        whatsapp_credentials(journey.tenant, journey.channel), text=text, name=name
    )
    response = httpx.post(
        f"{server.base_url}/webhooks/whatsapp",
        content=delivery.body,
        headers={**delivery.headers, "Host": django_settings.BASE_DOMAIN},
        timeout=10,
    )
    assert response.status_code == 200


def _texts_sent(simulator: WhatsAppSimulator) -> list[str]:
    return [item["text"]["body"] for item in simulator.sent if item.get("type") == "text"]


def _eventually(check: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def _open_from_list(page: Any, items: Any, name: str, conversation_id: int) -> None:
    """Opens a conversation from a console list as a person would. The list is redrawn live
    when the conversation's state changes, and a click landing on an item being replaced at
    that moment is lost; a person clicks again, and so does this helper (at most three times)."""
    for _attempt in range(3):
        items.get_by_role("link", name=name).click()
        if _eventually(lambda: f"/console/c/{conversation_id}/" in page.url, seconds=3):
            return
    assert f"/console/c/{conversation_id}/" in page.url


@pytest.mark.req("6.5.58.1")
@pytest.mark.req("6.5.58.2")
@pytest.mark.req("6.5.58.8")
@pytest.mark.req("6.5.58.16")
@pytest.mark.req("6.5.44.2")
@pytest.mark.req("6.5.44.3")
@pytest.mark.req("6.5.44.8")
@pytest.mark.req("6.5.44.9")
def test_a_citizen_request_from_the_queue_to_the_survey(
    browser: Any, asgi_server: LiveServer, journey: Journey, contexts: list[Any]
) -> None:
    from playwright.sync_api import expect

    base = asgi_server.url_for(tenant_host(journey.tenant))
    citizen = f"Maria {secrets.token_hex(2)}"
    first = _page(browser, asgi_server, journey.tenant, journey.first, contexts, spy=True)
    outsider = _page(browser, asgi_server, journey.tenant, journey.outsider, contexts)
    _live(first, f"{base}/console/")
    _live(outsider, f"{base}/console/")

    # given a citizen's message, when it arrives, then agent 1's waiting list shows it live
    _citizen_writes(journey, asgi_server, "Tem um buraco na minha rua", citizen)
    waiting = first.locator('[data-list="waiting"]')
    expect(waiting).to_contain_text(citizen, timeout=LIVE_MS)
    expect(waiting).to_contain_text("WhatsApp")
    expect(waiting).to_contain_text(journey.works.name)
    # with a sound and a browser notification
    assert _eventually(lambda: first.evaluate("window.__notifications.length") > 0)
    assert first.evaluate("window.__notifications") == [
        {"title": "Nova mensagem de cidadão", "body": "Tem um buraco na minha rua"}
    ]
    assert first.evaluate("window.__beeps") >= 1
    with schema_context(journey.tenant.schema_name):
        conversation = Conversation.objects.get(channel=journey.channel)

    # the agent of another team does not see it: not in the lists, not by its address
    outsider.reload()
    expect(outsider.locator("#console-lists")).to_contain_text("Fila de espera")
    expect(outsider.locator("#console-lists")).not_to_contain_text(citizen)
    for path in (f"/console/c/{conversation.pk}/", f"/console/c/{conversation.pk}/mensagens"):
        response = outsider.goto(base + path)
        assert response is not None and response.status == 404

    # agent 1 joins the team's queue and gets the conversation
    status = first.locator("#agent-status")
    status.get_by_label(journey.works.name).check()
    status.get_by_role("button", name="Entrar").click()
    mine = first.locator('[data-list="mine"]')
    expect(mine).to_contain_text(citizen, timeout=TIMEOUT_MS)
    expect(waiting).to_have_count(0)
    _open_from_list(first, mine, citizen, conversation.pk)
    expect(first.locator("#thread")).to_contain_text("Tem um buraco na minha rua")
    first.get_by_label("Sua resposta").fill("Olá! Vamos verificar.")
    first.get_by_role("button", name="Enviar").click()
    expect(first.locator("#thread")).to_contain_text("Olá! Vamos verificar.", timeout=TIMEOUT_MS)
    assert _eventually(
        lambda: any(
            body.endswith("Olá! Vamos verificar.") for body in _texts_sent(journey.simulator)
        )
    )

    # agent 2 comes online; agent 1 transfers to agent 2 with a note
    with schema_context(journey.tenant.schema_name):
        agent_login(actor=Actor.command("tests"), user=journey.second, teams=[journey.works.pk])
    second = _page(browser, asgi_server, journey.tenant, journey.second, contexts)
    _live(second, f"{base}/console/")
    first.get_by_text("Transferir", exact=True).first.click()
    first.get_by_label("Para o atendente").select_option(str(journey.second.pk))
    first.get_by_label("Observação para quem recebe").fill("Rua das Flores, 120; já tem foto.")
    first.locator("form", has=first.get_by_label("Para o atendente")).get_by_role(
        "button", name="Transferir"
    ).click()
    expect(first.locator("#conversation-pane")).to_contain_text(
        "Este atendimento está com outro atendente.", timeout=TIMEOUT_MS
    )
    expect(first.get_by_label("Sua resposta")).to_have_count(0)

    # then agent 2 has it, live, and reads the note
    second_mine = second.locator('[data-list="mine"]')
    expect(second_mine).to_contain_text(citizen, timeout=TIMEOUT_MS)
    _open_from_list(second, second_mine, citizen, conversation.pk)
    notes = second.get_by_role("region", name="Observações internas")
    expect(notes).to_contain_text("Rua das Flores, 120; já tem foto.")
    expect(notes).to_contain_text("Transferido")
    expect(second.locator("#thread")).to_contain_text("Olá! Vamos verificar.")

    # the supervisor sees agent 2 with the conversation on the monitor and intervenes
    monitor = _page(browser, asgi_server, journey.tenant, journey.supervisor, contexts)
    _live(monitor, f"{base}/monitor/")
    row = monitor.locator("tr", has=monitor.get_by_role("rowheader", name=journey.second.full_name))
    expect(row).to_contain_text(conversation.protocol)
    expect(row).to_contain_text(journey.works.name)
    expect(row).to_contain_text("WhatsApp")
    row.get_by_role("link", name=f"{citizen} ({conversation.protocol})").click()
    monitor.get_by_label("Sua resposta").fill("Aqui é a supervisão: prioridade alta.")
    monitor.get_by_role("button", name="Enviar").click()
    expect(monitor.locator("#thread")).to_contain_text(
        "Aqui é a supervisão: prioridade alta.", timeout=TIMEOUT_MS
    )
    assert _eventually(
        lambda: any(
            body.endswith("Aqui é a supervisão: prioridade alta.")
            for body in _texts_sent(journey.simulator)
        )
    )
    # agent 2's open conversation shows the supervisor's message live
    expect(second.locator("#thread")).to_contain_text(
        "Aqui é a supervisão: prioridade alta.", timeout=TIMEOUT_MS
    )

    # agent 2 closes with a disposition; the citizen receives the survey
    second.get_by_text("Encerrar", exact=True).click()
    second.get_by_label("Tabulação").select_option(label=journey.disposition.name)
    second.get_by_role("button", name="Encerrar atendimento").click()
    expect(second.locator("#conversation-pane")).to_contain_text(
        f"Atendimento encerrado. Tabulação: {journey.disposition.name}.", timeout=TIMEOUT_MS
    )
    expected_survey = SURVEY.replace("{agente}", journey.second.get_short_name())
    assert _eventually(lambda: expected_survey in _texts_sent(journey.simulator)), _texts_sent(
        journey.simulator
    )
    with schema_context(journey.tenant.schema_name):
        routing = ConversationRouting.objects.get(pk=conversation.pk)
        assert (routing.state, routing.disposition_id, routing.closed_by_id) == (
            RoutingState.CLOSED,
            journey.disposition.pk,
            journey.second.pk,
        )

    # the closed conversation stays out of the other team's reach too
    response = outsider.goto(f"{base}/console/c/{conversation.pk}/")
    assert response is not None and response.status == 404


@pytest.mark.req("6.5.58.10")
@pytest.mark.req("6.5.62")
def test_two_colleagues_chat_live_with_a_notification(
    browser: Any, asgi_server: LiveServer, journey: Journey, contexts: list[Any]
) -> None:
    from playwright.sync_api import expect

    base = asgi_server.url_for(tenant_host(journey.tenant))
    # given agent 2 on the console (tab in the background) and agent 1 on the chat with them
    second = _page(browser, asgi_server, journey.tenant, journey.second, contexts, spy=True)
    _live(second, f"{base}/console/")
    first = _page(browser, asgi_server, journey.tenant, journey.first, contexts)
    _live(first, f"{base}/console/")
    first.get_by_role("link", name="Chat interno").click()
    first.get_by_role("link", name=journey.second.full_name).click()
    expect(
        first.get_by_role("heading", name=f"Conversa com {journey.second.full_name}")
    ).to_be_visible()
    # when agent 1 writes
    first.get_by_label("Mensagem para o colega").fill("Pode olhar o protocolo da Maria?")
    first.get_by_role("button", name="Enviar").click()
    expect(first.locator("#chat-thread")).to_contain_text(
        "Pode olhar o protocolo da Maria?", timeout=TIMEOUT_MS
    )
    # then agent 2's console counts it live, rings and notifies
    expect(second.locator("#chat-link")).to_contain_text("1 nova", timeout=TIMEOUT_MS)
    assert _eventually(lambda: second.evaluate("window.__notifications.length") > 0)
    assert second.evaluate("window.__notifications") == [
        {
            "title": f"Chat interno: {journey.first.full_name}",
            "body": "Pode olhar o protocolo da Maria?",
        }
    ]
    assert second.evaluate("window.__beeps") >= 1
    # agent 2 opens it and answers; agent 1 reads the answer without reloading
    second.get_by_role("link", name="Chat interno").click()
    people = second.locator('[data-list="people"]')
    expect(people).to_contain_text("1 nova")
    people.get_by_role("link", name=journey.first.full_name).click()
    expect(second.locator("#chat-thread")).to_contain_text("Pode olhar o protocolo da Maria?")
    second.get_by_label("Mensagem para o colega").fill("Claro, já vejo.")
    second.keyboard.press("Enter")
    expect(first.locator("#chat-thread")).to_contain_text("Claro, já vejo.", timeout=TIMEOUT_MS)
    # and the outsider, of another team, sees none of their conversation
    outsider = _page(browser, asgi_server, journey.tenant, journey.outsider, contexts)
    outsider.goto(f"{base}/console/chat/{journey.first.pk}/")
    expect(outsider.locator("#chat-thread")).not_to_contain_text("Pode olhar")


@pytest.fixture
def idle_policy(journey: Journey) -> Iterator[None]:
    """One minute of inactivity on the live tenant, put back afterwards (it outlives tests)."""
    from security.services.policy import policy_update

    with schema_context(journey.tenant.schema_name):
        policy_update(actor=Actor.command("tests"), changes={"idle_timeout_minutes": 1})
    yield
    with schema_context(journey.tenant.schema_name):
        policy_update(actor=Actor.command("tests"), changes={"idle_timeout_minutes": 0})


@pytest.mark.req("6.5.58.17")
@pytest.mark.req("6.5.56")
def test_an_idle_console_logs_out_and_live_updates_are_not_activity(
    browser: Any,
    asgi_server: LiveServer,
    journey: Journey,
    contexts: list[Any],
    idle_policy: None,
) -> None:
    from playwright.sync_api import expect

    base = asgi_server.url_for(tenant_host(journey.tenant))
    page = _page(browser, asgi_server, journey.tenant, journey.first, contexts)
    page.clock.install()
    _live(page, f"{base}/console/")
    # the page's own refreshes are marked as background, a person's search is not
    with page.expect_request(lambda request: "/console/listas" in request.url) as refresh:
        page.evaluate("document.body.dispatchEvent(new CustomEvent('portal:refresh'))")
        page.clock.run_for(1000)
    assert refresh.value.headers.get("x-background-request") == "1"
    with page.expect_request(lambda request: "/console/contatos" in request.url) as search:
        page.get_by_label("Buscar contato por nome ou telefone").fill("Maria")
        page.clock.run_for(1000)
    assert "x-background-request" not in search.value.headers
    # given 50 s idle, when the person presses a key, then the minute starts again
    page.clock.run_for(50_000)
    page.locator("body").press("Shift")
    page.clock.run_for(50_000)
    expect(page).to_have_url(f"{base}/console/")
    # a live event meanwhile is not activity either
    _citizen_writes(journey, asgi_server, "Alô", f"João {secrets.token_hex(2)}")
    expect(page.locator('[data-list="waiting"]')).to_contain_text("João", timeout=TIMEOUT_MS)
    # when a whole minute passes without the person, then the session ends
    page.clock.run_for(15_000)
    expect(page).to_have_url(f"{base}/conta/entrar/?next=%2Fconsole%2F", timeout=TIMEOUT_MS)
    expect(
        page.get_by_text("Sua sessão foi encerrada por inatividade. Entre novamente.")
    ).to_be_visible()
    response = page.goto(f"{base}/console/")
    assert response is not None and "/conta/entrar/" in response.url


@pytest.mark.req("6.5.58.11")
def test_an_agent_starts_a_conversation_with_an_approved_template(
    browser: Any, asgi_server: LiveServer, journey: Journey, contexts: list[Any]
) -> None:
    from playwright.sync_api import expect

    from desk.models import Contact

    # given a registered contact with a phone who never wrote (outside any 24-hour window)
    name = f"Rita {secrets.token_hex(2)}"
    phone = f"+55119{secrets.randbelow(10**8):08d}"
    with schema_context(journey.tenant.schema_name):
        contact = Contact.objects.create(name=name, phone=phone, created_at=timezone.now())
    base = asgi_server.url_for(tenant_host(journey.tenant))
    page = _page(browser, asgi_server, journey.tenant, journey.first, contexts)
    page.goto(f"{base}/console/contato/{contact.pk}/iniciar")
    expect(page.get_by_role("heading", name=f"Iniciar atendimento com {name}")).to_be_visible()
    page.get_by_role("radio", name=journey.channel.name).check()
    # when free text is tried, then WhatsApp's rule is explained
    page.get_by_label("Mensagem (dentro da janela de 24 horas)").fill("Olá!")
    page.get_by_role("button", name="Iniciar atendimento").click()
    expect(page.get_by_role("alert")).to_contain_text("modelo")
    # when an approved template is chosen instead
    page.get_by_label("Mensagem (dentro da janela de 24 horas)").fill("")
    page.get_by_role("radio", name=journey.channel.name).check()
    page.get_by_label("Nome do modelo").fill("retorno_protocolo")
    page.get_by_label("Valores das variáveis, um por linha").fill(name)
    page.get_by_role("button", name="Iniciar atendimento").click()
    # then the conversation is open in the agent's console and the template reached WhatsApp
    expect(page.locator('[data-list="mine"]')).to_contain_text(name, timeout=TIMEOUT_MS)
    expect(page.locator("#thread")).to_contain_text("Modelo", timeout=TIMEOUT_MS)

    def template_sent() -> bool:
        return any(
            item.get("type") == "template" and item["template"]["name"] == "retorno_protocolo"
            for item in journey.simulator.sent
        )

    assert _eventually(template_sent)
    sent = next(item for item in journey.simulator.sent if item.get("type") == "template")
    assert sent["to"] == phone.lstrip("+")


@pytest.mark.req("6.5.64")
def test_the_chat_and_the_start_screen_fit_a_phone(
    browser: Any, asgi_server: LiveServer, journey: Journey, contexts: list[Any]
) -> None:
    from playwright.sync_api import expect

    from desk.models import Contact

    with schema_context(journey.tenant.schema_name):
        contact = Contact.objects.create(
            name="Telma", phone="+5511977776666", created_at=timezone.now()
        )
    host = tenant_host(journey.tenant)
    context = browser.new_context(
        locale="pt-BR",
        timezone_id="America/Sao_Paulo",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    contexts.append(context)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session_cookie(journey.tenant, journey.first),
                "url": asgi_server.url_for(host),
            }
        ]
    )
    phone = context.new_page()
    base = asgi_server.url_for(host)
    for path in (f"/console/chat/{journey.second.pk}/", f"/console/contato/{contact.pk}/iniciar"):
        phone.goto(base + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
    phone.goto(f"{base}/console/chat/{journey.second.pk}/")
    expect(phone.get_by_label("Mensagem para o colega")).to_be_visible()

"""The console's service worker receiving a push (6.5.64), in Chromium: the DevTools protocol
delivers the push message to the worker, exactly as the browser does when a push service sends
one. A visible console shows the change live, so no notification; with no console on screen,
the notification shows the server's title and body and opens the conversation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from push.models import PushSubscription
from tenants.models import Tenant
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.live.server import (  # noqa: F401 - fixtures are found by name
    LiveServer,
    asgi_server,
    committed,
    live_tenant,
    make_committed_user,
    session_cookie,
    tenant_host,
)
from tests.push.fake_push_service import FakePushService, unb64url

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 15_000
PAYLOAD = {
    "title": "Novo atendimento para você",
    "body": "Protocolo 20261128-000042 · WhatsApp",
    "url": "/console/c/42/",
    "tag": "conversation-42",
}


# Chromium's push service is Google's, out of reach here: the page's PushManager is replaced by
# one that hands out the fake service's subscription, as `subscribe` would.
STUB_PUSH_MANAGER = """
(() => {
  let current = null;
  const subscription = __SUBSCRIPTION__;
  PushManager.prototype.subscribe = function (options) {
    window.subscribedWithKey = Array.from(new Uint8Array(options.applicationServerKey));
    current = {
      endpoint: subscription.endpoint,
      options: { applicationServerKey: options.applicationServerKey },
      toJSON: () => subscription,
      unsubscribe: () => { current = null; window.unsubscribed = true; return Promise.resolve(true); }
    };
    return Promise.resolve(current);
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
})();
"""


@dataclass
class Console:
    page: Any
    base: str
    tenant: Tenant
    agent: User

    def stored_endpoints(self) -> list[str]:
        with schema_context(self.tenant.schema_name):
            return list(
                PushSubscription.objects.filter(user=self.agent).values_list("endpoint", flat=True)
            )


@pytest.fixture
def console_page(
    asgi_server: LiveServer,  # noqa: F811 - the fixture imported above
    live_tenant: Tenant,  # noqa: F811 - the fixture imported above
    committed: None,  # noqa: F811 - the fixture imported above
) -> Iterator[Console]:
    from playwright.sync_api import sync_playwright

    agent = make_committed_user(live_tenant, Role.AGENT)
    base = asgi_server.url_for(tenant_host(live_tenant))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="pt-BR", permissions=["notifications"])
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session_cookie(live_tenant, agent),
                    "url": base,
                }
            ]
        )
        page = context.new_page()
        try:
            yield Console(page, base, live_tenant, agent)
        finally:
            context.close()
            browser.close()


def _registration_id(cdp: Any, page: Any) -> str:
    found: dict[str, str] = {}

    def seen(event: dict[str, Any]) -> None:
        for registration in event.get("registrations", []):
            if registration.get("scopeURL", "").endswith("/console/"):
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", seen)
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    deadline = 50
    while "id" not in found and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert "id" in found, "the console's service worker did not register"
    return found["id"]


def _notifications(page: Any) -> list[dict[str, Any]]:
    return list(
        page.evaluate(
            """async () => {
              const registration = await navigator.serviceWorker.getRegistration('/console/');
              const shown = await registration.getNotifications();
              return shown.map(n => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
            }"""
        )
    )


@pytest.mark.req("6.5.64")
def test_a_push_shows_a_notification_only_when_no_console_is_on_screen(
    console_page: Console,
) -> None:
    page, base = console_page.page, console_page.base
    origin = base
    page.goto(f"{base}/console/")
    cdp = page.context.new_cdp_session(page)
    registration = _registration_id(cdp, page)

    # when a push arrives while the console is on screen, nothing is shown (it is live there)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration, "data": json.dumps(PAYLOAD)},
    )
    page.wait_for_timeout(500)
    assert _notifications(page) == []

    # when the agent is on another screen of the site, the notification is shown
    page.goto(f"{base}/api/docs")
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration, "data": json.dumps(PAYLOAD)},
    )
    page.wait_for_function(
        """async () => {
          const registration = await navigator.serviceWorker.getRegistration('/console/');
          return (await registration.getNotifications()).length === 1;
        }""",
        timeout=TIMEOUT_MS,
    )
    assert _notifications(page) == [
        {
            "title": PAYLOAD["title"],
            "body": PAYLOAD["body"],
            "tag": PAYLOAD["tag"],
            "data": {"url": PAYLOAD["url"]},
        }
    ]


@pytest.mark.req("6.5.64")
def test_the_agent_turns_phone_notifications_on_and_off_in_the_console(
    console_page: Console, push_service: FakePushService, vapid: tuple[str, str]
) -> None:
    from playwright.sync_api import expect

    # given a browser whose push service is the fake one (Chromium's own needs the internet)
    page, base = console_page.page, console_page.base
    browser = push_service.browser()
    page.add_init_script(
        STUB_PUSH_MANAGER.replace("__SUBSCRIPTION__", json.dumps(browser.subscription_json()))
    )
    page.goto(f"{base}/console/")
    switch = page.get_by_role("button", name="Receber avisos no celular")

    # when the agent turns notifications on
    switch.click()

    # then the browser subscribed with the server's key and the server keeps the subscription
    status = page.locator("[data-push-state]")
    expect(status).to_have_text(
        "Avisos ativados neste aparelho: você é avisado de novos atendimentos e mensagens "
        "mesmo com o console fechado.",
        timeout=TIMEOUT_MS,
    )
    expect(page.get_by_role("button", name="Desativar avisos no celular")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert bytes(page.evaluate("window.subscribedWithKey")) == unb64url(vapid[1])
    assert console_page.stored_endpoints() == [browser.endpoint]

    # when the agent turns them off, the subscription is gone on both sides
    page.get_by_role("button", name="Desativar avisos no celular").click()
    expect(status).to_have_text("Avisos desativados neste aparelho.", timeout=TIMEOUT_MS)
    assert page.evaluate("window.unsubscribed") is True
    assert console_page.stored_endpoints() == []

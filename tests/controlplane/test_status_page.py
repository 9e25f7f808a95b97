"""The public status page: no sign-in, HTML and JSON from one snapshot that agree, Atom feed,
subscriptions by e-mail (double opt-in) and signed webhooks (REQ 6.2.6, 6.2.9)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from django.core import mail
from django.test import Client

from controlplane import webhooks
from controlplane.models import (
    IncidentImpact,
    IncidentStatus,
    StatusSubscription,
    SubscriptionKind,
)
from controlplane.selectors.status import snapshot_time
from controlplane.services.incidents import incident_open, incident_update
from controlplane.services.maintenance import maintenance_schedule
from controlplane.services.subscriptions import confirm_url
from security.actors import Actor
from security.route_audit import audits_route

pytestmark = pytest.mark.django_db
ACTOR = Actor.command("tests")


class DataAttributes(HTMLParser):
    """Collects the machine-readable data-* attributes the page carries beside its text."""

    def __init__(self) -> None:
        super().__init__()
        self.component_states: dict[str, str] = {}
        self.months: dict[str, dict[str, tuple[str, str]]] = {}
        self.incidents: dict[int, str] = {}
        self.maintenance: dict[int, str] = {}
        self.overall = ""
        self._component = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = {name: value or "" for name, value in attrs}
        if data.get("id") == "overall":
            self.overall = data["data-state"]
        if "data-component" in data:
            self._component = data["data-component"]
            if "data-state" in data:
                self.component_states[self._component] = data["data-state"]
        if "data-month" in data:
            self.months.setdefault(self._component, {})[data["data-month"]] = (
                data["data-availability"],
                data["data-downtime"],
            )
        if "data-incident" in data:
            self.incidents[int(data["data-incident"])] = data["data-status"]
        if "data-maintenance" in data:
            self.maintenance[int(data["data-maintenance"])] = data["data-status"]


@pytest.fixture
def history(record_downtime: Callable[..., Any], minutes_ago: Callable[[float], datetime]) -> None:
    record_downtime("api", minutes_ago(60 * 24 * 3), minutes_ago(60 * 24 * 3 - 25))
    record_downtime(
        "web", minutes_ago(60 * 24 * 40), minutes_ago(60 * 24 * 40 - 7), maintenance=True
    )
    ongoing = incident_open(
        actor=ACTOR,
        title="Entrega por SMS parada",
        impact=IncidentImpact.OUTAGE,
        components=["channel.sms"],
        message="Operadora fora do ar.",
        started_at=minutes_ago(15),
    )
    incident_update(
        actor=ACTOR,
        incident=ongoing,
        status=IncidentStatus.IDENTIFIED,
        message="A operadora confirmou a falha.",
    )
    past = incident_open(
        actor=ACTOR,
        title="Lentidão no console",
        impact=IncidentImpact.DEGRADED,
        components=["web"],
        message="Investigando.",
        started_at=minutes_ago(600),
    )
    incident_update(
        actor=ACTOR, incident=past, status=IncidentStatus.RESOLVED, message="Resolvido."
    )
    maintenance_schedule(
        actor=ACTOR,
        title="Atualização do PostgreSQL",
        description="Troca de versão.",
        components=["web", "api"],
        starts_at=minutes_ago(-60 * 24 * 10),
        ends_at=minutes_ago(-60 * 24 * 10 - 30),
    )


@pytest.mark.req("6.2.6")
@pytest.mark.req("6.2.9")
@pytest.mark.usefixtures("history")
def test_html_and_json_agree(public_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both requests inside one 30-second snapshot, wherever the clock is.
    fixed = snapshot_time()
    monkeypatch.setattr("controlplane.selectors.status.snapshot_time", lambda: fixed)
    page = public_client.get("/status/")
    api = public_client.get("/api/status")

    assert page.status_code == 200 and api.status_code == 200
    body = api.json()
    parsed = DataAttributes()
    parsed.feed(page.content.decode())

    assert parsed.overall == body["state"] == "outage"
    assert parsed.component_states == {c["key"]: c["state"] for c in body["components"]}
    assert parsed.component_states["channel.sms"] == "outage"
    for component in body["components"]:
        assert parsed.months[component["key"]] == {
            m["month"]: (m["availability_percent"], m["downtime_minutes"])
            for m in component["months"]
        }
        assert len(component["days"]) == 90
    assert parsed.months["platform"] == {
        m["month"]: (m["availability_percent"], m["downtime_minutes"])
        for m in body["platform"]["months"]
    }
    json_incidents = body["incidents"]["active"] + body["incidents"]["recent"]
    assert parsed.incidents == {i["id"]: i["status"] for i in json_incidents}
    assert sorted(parsed.incidents.values()) == ["identified", "resolved"]
    json_maintenance = [m for group in body["maintenance"].values() for m in group]
    assert parsed.maintenance == {m["id"]: m["status"] for m in json_maintenance}
    assert [u["message"] for u in body["incidents"]["active"][0]["updates"]] == [
        "A operadora confirmou a falha.",
        "Operadora fora do ar.",
    ]
    for update in body["incidents"]["active"][0]["updates"]:
        assert update["message"] in page.content.decode()


@pytest.mark.req("6.2.6")
@pytest.mark.usefixtures("history")
def test_page_is_public_pt_br_and_works_without_javascript(public_client: Client) -> None:
    response = public_client.get("/status/")
    html = response.content.decode()

    assert '<html lang="pt-br">' in html
    assert "<script" not in html
    assert "Há serviços indisponíveis neste momento" in html
    assert "Entrega — SMS" in html
    assert response["Cache-Control"] == "public, max-age=30"


@pytest.mark.usefixtures("history")
def test_atom_feed_lists_incident_updates_and_maintenance(public_client: Client) -> None:
    response = public_client.get("/status/feed.atom")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = response.content.decode()
    assert "Entrega por SMS parada — Causa identificada" in feed
    assert "Manutenção programada: Atualização do PostgreSQL — Agendada" in feed


@pytest.mark.req("6.2.9")
@audits_route("public:status:subscribe", "public:status:subscription_confirm")
def test_email_subscription_needs_confirmation(
    public_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = public_client.post(
            "/status/inscricao/", {"kind": "email", "email": "Cidada@Exemplo.org"}
        )
    assert response.status_code == 302
    subscription = StatusSubscription.objects.get()
    assert subscription.email == "cidada@exemplo.org"
    assert subscription.is_active is False
    assert len(mail.outbox) == 1
    link = confirm_url(subscription)
    path = link.split("8000", 1)[1] if "8000" in link else link
    assert path.startswith("/status/inscricao/confirmar/")
    assert path in mail.outbox[0].body

    # Opening the link (a mail scanner does) confirms nothing; the button does.
    assert public_client.get(path).status_code == 200
    subscription.refresh_from_db()
    assert subscription.is_active is False
    assert public_client.post(path).status_code == 200
    subscription.refresh_from_db()
    assert subscription.is_active is True


def test_repeated_requests_send_one_confirmation(
    public_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            public_client.post("/status/inscricao/", {"kind": "email", "email": "a@b.org"})

    assert len(mail.outbox) == 1
    assert StatusSubscription.objects.count() == 1


def test_tampered_confirmation_link_is_refused(public_client: Client) -> None:
    response = public_client.post("/status/inscricao/confirmar/1:abc:def/")

    assert response.status_code == 400
    assert "Link inválido" in response.content.decode()


@pytest.fixture
def receiver(settings: Any) -> Iterator[list[httpx.Request]]:
    received: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    original = webhooks.transport
    webhooks.transport = httpx.MockTransport(answer)
    yield received
    webhooks.transport = original


@pytest.mark.req("6.2.9")
@audits_route("public:POST /api/status/subscriptions")
def test_webhook_is_verified_then_receives_signed_notices(
    public_client: Client,
    receiver: list[httpx.Request],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = public_client.post(
            "/api/status/subscriptions",
            data=json.dumps({"kind": "webhook", "url": "https://93.184.216.34/avisos"}),
            content_type="application/json",
        )
    assert response.status_code == 201
    secret = response.json()["secret"]
    subscription = StatusSubscription.objects.get(kind=SubscriptionKind.WEBHOOK)
    assert subscription.is_active is True
    assert receiver[0].headers["X-Status-Event"] == "subscription.verify"

    with django_capture_on_commit_callbacks(execute=True):
        incident_open(
            actor=ACTOR,
            title="API fora do ar",
            impact=IncidentImpact.OUTAGE,
            components=["api"],
            message="Investigando.",
        )

    notice = receiver[-1]
    assert notice.headers["X-Status-Event"] == "incident.opened"
    assert webhooks.signature_valid(
        secret,
        notice.headers["X-Status-Timestamp"],
        notice.content,
        notice.headers["X-Status-Signature"],
    )
    assert not webhooks.signature_valid(
        "outro",
        notice.headers["X-Status-Timestamp"],
        notice.content,
        notice.headers["X-Status-Signature"],
    )
    payload = json.loads(notice.content)
    assert payload["incident"]["title"] == "API fora do ar"
    assert payload["update"]["message"] == "Investigando."


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x",
        "https://10.0.0.5/x",
        "ftp://93.184.216.34/x",
        "https://203.0.113.10/x",
        "https://169.254.169.254/latest",
    ],
)
def test_webhooks_to_private_networks_are_refused(public_client: Client, url: str) -> None:
    response = public_client.post(
        "/api/status/subscriptions",
        data=json.dumps({"kind": "webhook", "url": url}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert StatusSubscription.objects.count() == 0

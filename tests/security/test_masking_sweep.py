"""A sweep of every GET screen, export and API route of the tenant host for personal data
(6.5.23.10, 6.5.23.11): users without `view_sensitive_data` (atendente, supervisor, auditor)
never receive a contact's CPF, e-mail or phone, neither from the contact's fields nor from the
body of a message that quotes them; an administrator, who holds the permission, does see them on
the same pages (so the sweep can fail). A second tenant's host never returns this contact.

Routes come from the URL conf (`security.route_audit.all_routes`), so a GET route added later
is swept without touching this module: its path parameters are filled from the seeded records,
or the route is listed in `UNFILLED` with the reason it is left out. Assertions are on the raw
bytes of the response; spreadsheets are read cell by cell (openpyxl) and PDFs as text
(pdftotext), since their bytes are compressed.
"""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from analytics.export import tenant_export
from analytics.reports import REPORTS
from analytics.widgets import WIDGETS
from desk.events import Audience, live_channel, publish
from desk.events import _redis as redis_client
from desk.live import SEQUENCE_PREFIX, _hubs
from desk.models import (
    Contact,
    Conversation,
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    Origin,
    Team,
)
from desk.payloads import message_payload
from privacy.services import contact_cpf_set
from routing.services.lifecycle import conversation_assign
from security.actors import Actor
from security.route_audit import Route, all_routes
from tenants.models import Tenant
from tests.analytics.conftest import (  # noqa: F401 - fixtures are found by name
    clickhouse_service,
    clickhouse_url,
)
from tests.conftest import host_of
from tests.routing.conftest import (  # noqa: F401 - fixtures are found by name
    DeskFactory,
    actor_of,
    alfa,
    desk,
)

pytestmark = pytest.mark.django_db

NAME = "Maria Aparecida Quintela"
CPF = "386.742.159-55"
CPF_DIGITS = "38674215955"
EMAIL = "maria.quintela@exemplo.com.br"
PHONE = "+5561996173842"
INBOUND = f"Sou Maria, meu CPF é {CPF}, e-mail {EMAIL}, celular (61) 99617-3842."
OUTBOUND = f"Maria, confirmamos o cadastro do CPF {CPF_DIGITS} e do telefone 61 99617 3842."

# What must never reach a user without the permission, in any spelling the data was seeded in.
NEEDLES: dict[str, tuple[str, ...]] = {
    "cpf": (CPF, CPF_DIGITS),
    "email": (EMAIL,),
    "phone": ("996173842", "99617-3842", "99617 3842"),
    # A second contact with no name: screens that print the contact itself fall back to it.
    "nameless": ("998127346",),
}
NAMELESS_PHONE = "+5584998127346"

# Routes swept with a query string as well (search results, report dimensions, downloads).
QUERIES: dict[str, tuple[str, ...]] = {
    "tenant:agent:contact_list": ("?q=Maria",),
    "tenant:portal_console:contact_search": ("?q=Maria",),
    "tenant:GET /api/contacts": ("?q=Maria",),
    "tenant:analytics:report_detail": ("?formato=csv", "?formato=xlsx", "?formato=pdf"),
    "tenant:GET /api/relatorios/<slug>/arquivo": (
        "?formato=csv",
        "?formato=xlsx",
        "?formato=pdf",
    ),
}

# GET routes left out of the sweep, each with why.
UNFILLED: dict[str, str] = {
    "tenant:desk:media_link": "signed link to an attachment's bytes; none is seeded",
    "tenant:invitation_accept": "a staff invitation token; no contact data",
    "tenant:agent:contact_import_detail": (
        "contact import screens need manage_settings, held only by administrators, who see "
        "personal data by role"
    ),
    "tenant:agent:contact_import_mapping": "as contact_import_detail",
    "tenant:analytics:saved_report_open": (
        "a saved report re-runs report_detail, swept for every report slug"
    ),
    "tenant:routing:canned_reply_edit": "a settings record; no contact data",
    "tenant:routing:disposition_edit": "a settings record; no contact data",
    "tenant:routing:hours_edit": "a settings record; no contact data",
    "tenant:routing:pause_reason_edit": "a settings record; no contact data",
    "tenant:channels:new": "a form for a new channel; no contact data",
    "tenant:sso:provider_edit": "SAML settings of the tenant's identity provider; no contact data",
    "tenant:sso:saml_login": "redirect to the identity provider; no contact data",
    "tenant:sso:saml_metadata": "service provider XML metadata; no contact data",
}
UNFILLED_PREFIXES: dict[str, str] = {
    "tenant:scim:": "SCIM directory of staff users for the identity provider's bearer token",
    "tenant:webchat:": "the citizen's own widget API, authenticated by the visitor's token",
}


@dataclass
class Seeded:
    tenant: Tenant
    contact: Contact
    conversation: Conversation
    team: Team
    channel_id: int
    users: dict[str, User]
    last_event_id: int  # the live stream resumes after it: the seeded messages come next


def leaks(text: str) -> dict[str, list[str]]:
    found = {kind: [n for n in spellings if n in text] for kind, spellings in NEEDLES.items()}
    return {kind: spellings for kind, spellings in found.items() if spellings}


async def collect(chunks: AsyncIterator[bytes]) -> bytes:
    """An async stream's bytes; then the live hub of this short-lived event loop is let go of
    (its reader closes the Redis subscription once no stream is left), as a server would."""
    body = b"".join([chunk async for chunk in chunks])
    hub = _hubs.pop(asyncio.get_running_loop(), None)
    if hub is not None:
        if hub._reader is not None:
            await hub._reader
        await hub.client.aclose()
    return body


def readable(response: Any) -> str:
    """What the user gets, as text: raw bytes decoded, spreadsheet cells, or PDF text."""
    if getattr(response, "is_async", False):
        body = async_to_sync(collect)(response.streaming_content)
    elif getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        cells = [
            str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        ]
        return "\n".join(cells)
    if "application/pdf" in kind:
        result = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=body,
            capture_output=True,
            check=True,
        )
        return result.stdout.decode()
    return body.decode("utf-8", errors="replace")


def report(found: dict[str, Any]) -> str:
    return "\n" + "\n".join(f"{url}: {value}" for url, value in sorted(found.items()))


def swept_routes() -> Iterator[Route]:
    for route in all_routes():
        if not route.id.startswith("tenant:"):
            continue
        if route.methods is not None and "GET" not in route.methods:
            continue
        yield route


def unfilled_reason(route: Route) -> str | None:
    if route.id in UNFILLED:
        return UNFILLED[route.id]
    for prefix, reason in UNFILLED_PREFIXES.items():
        if route.id.startswith(prefix):
            return reason
    return None


def urls_of(route: Route, seeded: Seeded) -> list[str]:
    """Concrete URLs for the route, its parameters filled from the seeded records."""
    today = timezone.localdate()
    values: dict[str, list[str]] = {
        "contact_id": [str(seeded.contact.pk)],
        "conversation_id": [str(seeded.conversation.pk)],
        "channel_id": [str(seeded.channel_id)],
        "team_id": [str(seeded.team.pk)],
        "agent_id": [str(seeded.users[Role.AGENT].pk)],
        "user_id": [str(seeded.users[Role.AGENT].pk)],
        "slug": [report.slug for report in REPORTS.values()],
        "key": list(WIDGETS),
        "fmt": ["csv", "xlsx", "pdf"],
        "extension": ["csv", "xlsx", "pdf"],
        "period": [f"{today:%Y-%m}"],
        "year": [str(today.year)],
        "month": [str(today.month)],
    }
    urls = [route.path]
    for name in re.findall(r"<(?:\w+:)?(\w+)>", route.path):
        if name not in values:
            raise AssertionError(
                f"{route.id}: no value for <{name}>; fill it in urls_of or list it in UNFILLED"
            )
        urls = [re.sub(rf"<(?:\w+:)?{name}>", value, url) for url in urls for value in values[name]]
    queries = QUERIES.get(route.id, ())
    if route.id == "tenant:agent:live_events":
        # The stream replays the seeded messages' events, then ends (LIVE_MAX_STREAM_SECONDS).
        return [f"{route.path}?last_event_id={seeded.last_event_id}"]
    return [url + query for url in urls for query in ("", *queries)]


# The agent console and the supervisor monitor (portal/), swept by a test of their own.
PORTAL = "tenant:portal_"


def sweep(
    client: Client, seeded: Seeded, *, portal: bool | None = False
) -> dict[str, tuple[int, str]]:
    """Every swept URL → (status, what the user got as text); `portal` True sweeps only the
    console and monitor routes, False every other route, None all of them."""
    seen: dict[str, tuple[int, str]] = {}
    for route in swept_routes():
        if unfilled_reason(route) is not None:
            continue
        if portal is not None and route.id.startswith(PORTAL) != portal:
            continue
        for url in urls_of(route, seeded):
            response = client.get(url)
            seen[url] = (response.status_code, readable(response))
    return seen


@pytest.fixture
def seeded(
    desk: DeskFactory,  # noqa: F811 - fixture
    alfa: Tenant,  # noqa: F811 - fixture
    clickhouse_url: str,  # noqa: F811 - fixture
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> Seeded:
    """Maria (CPF, e-mail, phone) wrote to the team "Saúde", quoting her data; the atendente
    took the conversation and answered quoting it again. Supervisor and administrator are
    members of the team too; the analytics store has the tenant's events."""
    team = desk.team("Saúde")
    users: dict[str, User] = {
        Role.AGENT: desk.agent(team, name="Ana Atendente"),
        Role.SUPERVISOR: desk.agent(team, name="Sérgio Supervisor", role=Role.SUPERVISOR),
        Role.ADMIN: desk.agent(team, name="Adélia Administradora", role=Role.ADMIN),
        Role.AUDITOR: desk.user(Role.AUDITOR, name="Augusto Auditor"),
    }
    nameless = desk.conversation(team, text="Oi, bom dia")
    Contact.objects.filter(pk=nameless.contact_id).update(name="", phone=NAMELESS_PHONE)
    conversation = desk.conversation(team, text=INBOUND)
    contact = conversation.contact
    Contact.objects.filter(pk=contact.pk).update(name=NAME, phone=PHONE, email=EMAIL)
    contact.refresh_from_db()
    contact_cpf_set(actor=Actor.command("tests"), contact=contact, cpf=CPF)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_assign(
            actor=actor_of(users[Role.SUPERVISOR]),
            conversation=conversation,
            agent=users[Role.AGENT],
        )
    reply = Message.objects.create(
        conversation=conversation,
        channel_id=conversation.channel_id,
        direction=Direction.OUTBOUND,
        kind=MessageKind.TEXT,
        text=OUTBOUND,
        status=MessageStatus.SENT,
        sender_user_id=users[Role.AGENT].pk,
        sender_name="Ana Atendente",
        origin=Origin.AGENT,
        created_at=timezone.now(),
    )
    # The live stream: both messages published as the pipeline publishes them.
    settings.LIVE_MAX_STREAM_SECONDS = 1
    for message in Message.objects.filter(conversation=conversation).order_by("id"):
        assert publish("message.created", message_payload(message), Audience(teams=[team.pk]))
    counter = redis_client().get(f"{SEQUENCE_PREFIX}{live_channel(alfa.schema_name)}")
    assert isinstance(counter, bytes | str)
    sequence = int(counter)
    assert reply.pk
    tenant_export(tenant=alfa, wait=True)
    return Seeded(
        tenant=alfa,
        contact=contact,
        conversation=conversation,
        team=team,
        channel_id=conversation.channel_id,
        users=users,
        last_event_id=sequence - 2,
    )


def session_client(tenant: Tenant, user: User) -> Client:
    client = Client(HTTP_HOST=host_of(tenant))
    with schema_context(tenant.schema_name):
        client.force_login(user)
    return client


# Pages where the administrator must see the personal data: if the sweep stopped reaching them
# (or seeded data stopped showing), the assertions on the other roles would prove nothing.
ADMIN_SEES = {
    "/contatos/{contact}/": {"cpf", "email", "phone"},
    "/contatos/?q=Maria": {"cpf", "email", "phone"},
    "/contatos/exportar.csv": {"cpf", "email", "phone", "nameless"},
    "/contatos/exportar.xlsx": {"cpf", "email", "phone", "nameless"},
    "/api/contacts?q=Maria": {"email", "phone"},
    "/api/contacts/{contact}": {"email", "phone"},
    "/api/conversations/{conversation}/messages": {"cpf", "email", "phone"},
    "/privacidade/contatos/{contact}/": {"cpf", "email", "phone"},
    "/privacidade/contatos.csv": {"cpf", "email", "phone", "nameless"},
    "/privacidade/contatos/{contact}/exportar.json": {"cpf", "email", "phone"},
    "/privacidade/contatos/{contact}/exportar.pdf": {"cpf", "email", "phone"},
    "/api/privacidade/contatos/{contact}": {"cpf", "email", "phone"},
    "/ao-vivo/eventos?last_event_id={live}": {"cpf", "email", "phone"},
    "/relatorios/protocolos/": {"phone", "nameless"},
    "/relatorios/protocolos/?formato=xlsx": {"phone", "nameless"},
    "/relatorios/protocolos/?formato=pdf": {"phone", "nameless"},
}
PORTAL_ADMIN_SEES = {
    # The full console pages list every conversation, the nameless contact's included.
    "/console/c/{conversation}/": {"cpf", "email", "phone", "nameless"},
    "/console/c/{conversation}/mensagens": {"cpf", "email", "phone"},
    "/console/contato/{contact}/": {"email", "phone", "nameless"},
    "/monitor/c/{conversation}/": {"cpf", "email", "phone"},
}


def expectations(seeded: Seeded, pages: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        url.format(
            contact=seeded.contact.pk,
            conversation=seeded.conversation.pk,
            live=seeded.last_event_id,
        ): kinds
        for url, kinds in pages.items()
    }


def assert_masked_sweep(seeded: Seeded, role: str, *, portal: bool) -> None:
    # given a user of the tenant whose role does not hold view_sensitive_data
    viewer = session_client(seeded.tenant, seeded.users[role])
    admin = session_client(seeded.tenant, seeded.users[Role.ADMIN])

    # when they, and an administrator, request every GET route the URL conf has
    seen = sweep(viewer, seeded, portal=portal)
    seen_by_admin = sweep(admin, seeded, portal=portal)

    # then no response carries the CPF, the e-mail or the phone in any spelling
    leaked = {url: leaks(text) for url, (_status, text) in seen.items() if leaks(text)}
    assert leaked == {}, report(leaked)
    # and the administrator, on the same routes, does see them where expected
    expected = expectations(seeded, PORTAL_ADMIN_SEES if portal else ADMIN_SEES)
    shown = {url: set(leaks(seen_by_admin[url][1])) for url in expected if url in seen_by_admin}
    assert shown == expected, report({u: sorted(k) for u, k in shown.items() if k != expected[u]})
    # and the sweep reached pages, not only refusals
    assert any(status == 200 for status, _text in seen.values())


def test_every_unfilled_route_still_exists() -> None:
    ids = {route.id for route in swept_routes()}
    assert sorted(set(UNFILLED) - ids) == []
    assert all(any(i.startswith(prefix) for i in ids) for prefix in UNFILLED_PREFIXES)


@pytest.mark.req("6.5.23.10")
@pytest.mark.req("6.5.23.11")
@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.AUDITOR])
def test_no_screen_export_or_api_shows_personal_data_without_permission(
    seeded: Seeded, role: str
) -> None:
    assert_masked_sweep(seeded, role, portal=False)


@pytest.mark.req("6.5.23.10")
@pytest.mark.req("6.5.23.11")
@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_console_and_monitor_show_no_personal_data_without_permission(
    seeded: Seeded, role: str
) -> None:
    assert_masked_sweep(seeded, role, portal=True)


@pytest.mark.req("6.5.23.10")
@pytest.mark.req("6.5.23.11")
def test_the_masked_pages_still_show_the_masks(seeded: Seeded) -> None:
    # given the atendente serving Maria
    agent = session_client(seeded.tenant, seeded.users[Role.AGENT])

    # when they open the contact, the conversation's messages and the live stream
    contact = agent.get(f"/contatos/{seeded.contact.pk}/")
    messages = agent.get(f"/api/conversations/{seeded.conversation.pk}/messages")
    live = agent.get(f"/ao-vivo/eventos?last_event_id={seeded.last_event_id}")
    stream = readable(live)

    # then the data is there, masked
    assert contact.status_code == messages.status_code == live.status_code == 200
    assert b"***.***.***-**" in contact.content
    assert b"(**) *****-****" in contact.content
    assert NAME.encode() in contact.content
    assert b"m***@***" in messages.content
    assert "Sou Maria, meu CPF é ***.***.***-**, e-mail m***@***, celular (**) *****-****." in (
        stream
    )


@pytest.mark.req("6.5.23.10")
def test_another_tenant_never_returns_this_contact(
    seeded: Seeded, tenant_beta: Tenant, make_user: Callable[..., User], token_for: Any
) -> None:
    # given a session and a token of Alfa's administrator, and Beta's own administrator
    alfa_admin = seeded.users[Role.ADMIN]
    alfa_session = session_client(seeded.tenant, alfa_admin)
    carried = Client(HTTP_HOST=host_of(tenant_beta))
    carried.cookies = alfa_session.cookies
    bearer = Client(
        HTTP_HOST=host_of(tenant_beta),
        HTTP_AUTHORIZATION=f"Bearer {token_for(seeded.tenant, alfa_admin)}",
    )
    beta_admin = session_client(tenant_beta, make_user(tenant_beta, Role.ADMIN))

    # when each requests every route (the console's too) on Beta's host, with Alfa's ids
    for client in (carried, bearer, beta_admin):
        seen = sweep(client, seeded, portal=None)

        # then nothing of Alfa's contact comes back: not her data, not her name
        found = {
            url: sorted({*leaks(text), *(["name"] if NAME in text else [])})
            for url, (_status, text) in seen.items()
            if leaks(text) or NAME in text
        }
        assert found == {}, report(found)
    # and neither Alfa's session nor Alfa's token is accepted on Beta
    assert carried.get("/contatos/").status_code == 302
    assert bearer.get("/api/contacts").status_code == 401

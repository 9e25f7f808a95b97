"""Web Push to agents (6.5.64): the console subscribes, the server stores the subscription per
user, and a conversation assigned to the agent or a citizen's new message reaches a push
service on 127.0.0.1 that checks the VAPID signature and decrypts the payload with the
browser's key, exactly as a real one would."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django_tenants.utils import schema_context
from py_vapid import Vapid

from accounts.models import User
from accounts.roles import Role
from channels.models import Channel
from channels.providers.whatsapp.simulator import build_inbound_text
from push.models import PushSubscription
from push.services import (
    push_subscription_save,
    vapid_public_key,
)
from routing.models import ConversationRouting, RoutingState, TeamMembership
from routing.services.lifecycle import conversation_assign, conversation_invite
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver, whatsapp_credentials
from tests.push.fake_push_service import FakeBrowser, FakePushService, deliveries_to
from tests.routing.conftest import DeskFactory, actor_of

pytestmark = pytest.mark.django_db

Commit = Callable[..., AbstractContextManager[Any]]
ClientFor = Callable[..., Client]
MakeUser = Callable[..., User]

SUBSCRIPTIONS = "/api/push/inscricoes"


def _subscribe(client: Client, browser: FakeBrowser) -> Any:
    return client.post(
        SUBSCRIPTIONS,
        data=json.dumps(browser.subscription_json()),
        content_type="application/json",
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131 Mobile"},
    )


def _stored(browser: FakeBrowser, user: User | None = None) -> PushSubscription:
    subscription = PushSubscription.objects.get(endpoint=browser.endpoint)
    if user is not None:
        assert subscription.user_id == user.pk
    return subscription


def test_the_key_command_prints_a_pair_the_server_uses(settings: Any) -> None:
    # given a key pair printed by the development command
    out = StringIO()
    call_command("push_vapid_keys", "--subject", "mailto:ti@alfa.gov.br", stdout=out)
    lines = out.getvalue().splitlines()
    private = lines[0].removeprefix("WEB_PUSH_VAPID_PRIVATE_KEY=")
    printed_public = lines[2].removeprefix("# chave pública (applicationServerKey): ")

    # when the server is configured with the private key
    settings.WEB_PUSH_VAPID_PRIVATE_KEY = private

    # then it derives the printed public key, and the key signs
    assert lines[1] == "WEB_PUSH_VAPID_SUBJECT=mailto:ti@alfa.gov.br"
    assert vapid_public_key() == printed_public
    signed = Vapid.from_string(private_key=private).sign(
        {"sub": "mailto:ti@alfa.gov.br", "aud": "https://fcm.googleapis.com"}
    )
    assert signed["Authorization"].endswith(f"k={printed_public}")
    assert "--subject" in _help_of("push_vapid_keys")


def _help_of(command: str) -> str:
    from push.management.commands.push_vapid_keys import Command

    return str(Command().create_parser("manage.py", command).format_help())


@pytest.mark.req("6.5.64")
def test_the_console_reads_the_public_key(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: ClientFor, vapid: tuple[str, str]
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)

    response = client_for(tenant_alfa, agent).get("/api/push/configuracao")

    assert response.status_code == 200
    assert response.json() == {"enabled": True, "public_key": vapid[1]}


@audits_route("tenant:POST /api/push/inscricoes")
@pytest.mark.req("6.5.64")
def test_an_agent_subscribes_and_the_subscription_is_kept_per_user(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    client_for: ClientFor,
    push_service: FakePushService,
) -> None:
    # given an agent signed in on the console
    agent = make_user(tenant_alfa, Role.AGENT)
    browser = push_service.browser()

    # when the service worker's subscription is posted
    response = _subscribe(client_for(tenant_alfa, agent), browser)

    # then it is stored for that agent, audited, and not in another tenant
    assert response.status_code == 201, response.content
    with schema_context(tenant_alfa.schema_name):
        stored = _stored(browser, agent)
        assert response.json()["id"] == stored.pk
        assert (stored.p256dh, stored.auth) == (
            browser.subscription_json()["keys"]["p256dh"],
            browser.subscription_json()["keys"]["auth"],
        )
        assert stored.user_agent == "Mozilla/5.0 (Linux; Android 14) Chrome/131 Mobile"
        entry = AuditEntry.objects.filter(action="push.subscribe").latest("id")
        assert (entry.actor_id, entry.object_id) == (agent.pk, str(stored.pk))
    with schema_context(tenant_beta.schema_name):
        assert PushSubscription.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        (Role.AUDITOR, 403),
        (Role.ADMIN, 201),
        (Role.AGENT, 201),
        (Role.SUPERVISOR, 201),
    ],
)
def test_who_may_subscribe(
    who: str,
    expected: int,
    tenant_alfa: Tenant,
    make_user: MakeUser,
    client_for: ClientFor,
    push_service: FakePushService,
) -> None:
    user = None if who == "anonymous" else make_user(tenant_alfa, who)
    browser = push_service.browser()

    response = _subscribe(client_for(tenant_alfa, user), browser)

    assert response.status_code == expected
    with schema_context(tenant_alfa.schema_name):
        assert PushSubscription.objects.filter(endpoint=browser.endpoint).count() == (
            1 if expected == 201 else 0
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": "https://servidor-interno.alfa.gov.br/admin"}, "endpoint"),
        ({"endpoint": "http://fcm.googleapis.com/fcm/send/abc"}, "endpoint"),
        ({"keys": {"p256dh": "bm90LWEta2V5", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys"),
        ({"keys": {"p256dh": None, "auth": "curto"}}, "keys"),
    ],
)
def test_a_subscription_the_server_would_not_trust_is_refused(
    change: dict[str, Any],
    field: str,
    tenant_alfa: Tenant,
    make_user: MakeUser,
    client_for: ClientFor,
    push_service: FakePushService,
    settings: Any,
) -> None:
    # given push services of the real world only, plus the fake one
    settings.WEB_PUSH_SERVICE_HOSTS = ["fcm.googleapis.com", "127.0.0.1"]
    agent = make_user(tenant_alfa, Role.AGENT)
    browser = push_service.browser()
    body = {**browser.subscription_json(), **change}
    if change.get("keys", {}).get("p256dh") is None and "keys" in change:
        body["keys"] = {"p256dh": browser.p256dh, "auth": "curto"}

    response = client_for(tenant_alfa, agent).post(
        SUBSCRIPTIONS, data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == field
    expected = (
        "Este navegador usa um serviço de notificações não aceito."
        if field == "endpoint"
        else "As chaves da inscrição são inválidas."
    )
    assert response.json()["detail"] == expected
    with schema_context(tenant_alfa.schema_name):
        assert PushSubscription.objects.count() == 0


def test_without_a_vapid_key_push_is_off(
    tenant_alfa: Tenant,
    make_user: MakeUser,
    client_for: ClientFor,
    push_service: FakePushService,
    settings: Any,
) -> None:
    settings.WEB_PUSH_VAPID_PRIVATE_KEY = ""
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.AGENT))

    assert client.get("/api/push/configuracao").json() == {"enabled": False, "public_key": ""}
    response = _subscribe(client, push_service.browser())
    assert response.status_code == 400
    assert response.json()["detail"] == "As notificações push não estão configuradas."


def test_the_same_phone_signed_in_by_another_agent_moves_to_them(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: ClientFor, push_service: FakePushService
) -> None:
    first, second = make_user(tenant_alfa, Role.AGENT), make_user(tenant_alfa, Role.AGENT)
    browser = push_service.browser()
    assert _subscribe(client_for(tenant_alfa, first), browser).status_code == 201

    assert _subscribe(client_for(tenant_alfa, second), browser).status_code == 201

    with schema_context(tenant_alfa.schema_name):
        assert PushSubscription.objects.filter(endpoint=browser.endpoint).count() == 1
        _stored(browser, second)


@audits_route("tenant:DELETE /api/push/inscricoes")
def test_an_agent_turns_notifications_off_only_for_their_own_subscription(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: ClientFor, push_service: FakePushService
) -> None:
    # given two agents, each with a subscription
    ana, bruno = make_user(tenant_alfa, Role.AGENT), make_user(tenant_alfa, Role.AGENT)
    ana_phone, bruno_phone = push_service.browser(), push_service.browser()
    ana_client = client_for(tenant_alfa, ana)
    _subscribe(ana_client, ana_phone)
    _subscribe(client_for(tenant_alfa, bruno), bruno_phone)

    # when Ana removes Bruno's endpoint, then her own
    foreign = ana_client.delete(
        SUBSCRIPTIONS,
        data=json.dumps({"endpoint": bruno_phone.endpoint}),
        content_type="application/json",
    )
    own = ana_client.delete(
        SUBSCRIPTIONS,
        data=json.dumps({"endpoint": ana_phone.endpoint}),
        content_type="application/json",
    )

    # then Bruno's stays, hers is gone, and the removal is audited
    assert (foreign.status_code, own.status_code) == (404, 204)
    with schema_context(tenant_alfa.schema_name):
        assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
            bruno_phone.endpoint
        ]
        entry = AuditEntry.objects.filter(action="push.unsubscribe").get()
        assert entry.actor_id == ana.pk


def _subscribed(push_service: FakePushService, user: User) -> FakeBrowser:
    browser = push_service.browser()
    json_keys = browser.subscription_json()["keys"]
    push_subscription_save(
        actor=Actor.command("tests"),
        user=user,
        endpoint=browser.endpoint,
        p256dh=json_keys["p256dh"],
        auth=json_keys["auth"],
    )
    return browser


@pytest.mark.req("6.5.64")
def test_a_conversation_assigned_to_the_agent_reaches_their_phone(
    desk: DeskFactory,
    push_service: FakePushService,
    vapid: tuple[str, str],
    django_capture_on_commit_callbacks: Commit,
) -> None:
    # given an agent with a subscribed phone and a colleague with another
    team = desk.team()
    agent = desk.agent(team)
    colleague = desk.agent(team)
    phone = _subscribed(push_service, agent)
    colleague_phone = _subscribed(push_service, colleague)
    conversation = desk.conversation(team)
    supervisor = desk.user(Role.SUPERVISOR)

    # when a supervisor assigns the conversation to the agent
    with django_capture_on_commit_callbacks(execute=True):
        conversation_assign(actor=actor_of(supervisor), conversation=conversation, agent=agent)

    # then the push service got one notification for the agent's phone, signed and decryptable
    [delivery] = list(deliveries_to(push_service, phone))
    assert delivery.payload == {
        "title": "Novo atendimento para você",
        "body": f"Protocolo {conversation.protocol} · WebChat",
        "url": f"/console/c/{conversation.pk}/",
        "tag": f"conversation-{conversation.pk}",
    }
    assert delivery.vapid_public_key == vapid[1]
    assert delivery.claims["aud"] == push_service.origin
    assert delivery.claims["sub"] == "mailto:suporte@alfa.gov.br"
    assert (delivery.headers["ttl"], delivery.headers["urgency"]) == ("3600", "high")
    assert list(deliveries_to(push_service, colleague_phone)) == []
    assert push_service.refusals == []
    assert PushSubscription.objects.get(endpoint=phone.endpoint).last_sent_at is not None


def test_nothing_is_sent_when_the_assignment_rolls_back(
    desk: DeskFactory,
    push_service: FakePushService,
    django_capture_on_commit_callbacks: Commit,
) -> None:
    team = desk.team()
    agent = desk.agent(team)
    _subscribed(push_service, agent)
    conversation = desk.conversation(team)
    supervisor = desk.user(Role.SUPERVISOR)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        conversation_assign(actor=actor_of(supervisor), conversation=conversation, agent=agent)
        raise RuntimeError("rolled back")

    assert push_service.deliveries == []
    assert not ConversationRouting.objects.filter(
        pk=conversation.pk, state=RoutingState.ASSIGNED
    ).exists()


@pytest.mark.req("6.5.64")
def test_a_citizens_message_reaches_the_owner_and_the_invited_agent(
    alfa: Tenant,
    desk: DeskFactory,
    whatsapp_channel: Channel,
    public_client: Client,
    push_service: FakePushService,
    django_capture_on_commit_callbacks: Commit,
) -> None:
    # given a WhatsApp channel whose queue is a team with one available agent
    team = desk.team()
    Channel.objects.filter(pk=whatsapp_channel.pk).update(default_team=team)
    owner = desk.agent(team)
    guest = desk.agent(desk.team())
    TeamMembership.objects.create(team=team, user=guest)
    outsider = desk.agent(desk.team())
    owner_phone = _subscribed(push_service, owner)
    guest_phone = _subscribed(push_service, guest)
    outsider_phone = _subscribed(push_service, outsider)
    credentials = whatsapp_credentials(alfa, whatsapp_channel)

    def citizen_writes(text: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(
                public_client, "/webhooks/whatsapp", build_inbound_text(credentials, text=text)
            )
        assert response.status_code == 200
        connection.set_schema(alfa.schema_name)  # type: ignore[attr-defined]

    # when the citizen writes, is routed to the owner, who invites a colleague; then writes again
    citizen_writes("Tem um buraco na minha rua")
    routing = ConversationRouting.objects.select_related("conversation").get(
        conversation__channel=whatsapp_channel
    )
    assert (routing.state, routing.agent_id) == (RoutingState.ASSIGNED, owner.pk)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_invite(actor=actor_of(owner), conversation=routing.conversation, agent=guest)
    citizen_writes("Fica na rua das Flores, 10")

    # then the owner got the assignment (which covers the first message) and the second
    # message; the guest the invitation and only the message written after joining
    protocol = routing.conversation.protocol
    assert [d.payload["title"] for d in deliveries_to(push_service, owner_phone)] == [
        "Novo atendimento para você",
        "Nova mensagem do cidadão",
    ]
    assert [d.payload for d in deliveries_to(push_service, guest_phone)] == [
        {
            "title": "Você foi convidado para um atendimento",
            "body": f"Protocolo {protocol} · WhatsApp",
            "url": f"/console/c/{routing.conversation_id}/",
            "tag": f"conversation-{routing.conversation_id}",
        },
        {
            "title": "Nova mensagem do cidadão",
            "body": f"Protocolo {protocol} · WhatsApp",
            "url": f"/console/c/{routing.conversation_id}/",
            "tag": f"conversation-{routing.conversation_id}",
        },
    ]
    assert list(deliveries_to(push_service, outsider_phone)) == []
    # the citizen's words never travel in a notification (lock screens are public)
    assert not any("buraco" in json.dumps(d.payload) for d in push_service.deliveries)


def test_a_subscription_the_push_service_forgot_is_removed(
    desk: DeskFactory,
    push_service: FakePushService,
    django_capture_on_commit_callbacks: Commit,
) -> None:
    # given an agent with two phones, one of them uninstalled (410), and a stale endpoint (404)
    team = desk.team()
    agent = desk.agent(team)
    kept, uninstalled = _subscribed(push_service, agent), _subscribed(push_service, agent)
    unknown = _subscribed(push_service, agent)
    push_service.forget(uninstalled)
    del push_service.browsers[unknown.endpoint.removeprefix(push_service.origin)]
    conversation = desk.conversation(team)

    # when a conversation is assigned to the agent
    with django_capture_on_commit_callbacks(execute=True):
        conversation_assign(
            actor=actor_of(desk.user(Role.SUPERVISOR)), conversation=conversation, agent=agent
        )

    # then the working phone got it and the two dead subscriptions are gone
    assert len(list(deliveries_to(push_service, kept))) == 1
    assert list(PushSubscription.objects.filter(user=agent).values_list("endpoint", flat=True)) == [
        kept.endpoint
    ]


def test_an_agent_has_at_most_a_few_subscribed_devices(
    tenant_alfa: Tenant,
    make_user: MakeUser,
    client_for: ClientFor,
    push_service: FakePushService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("push.services.MAX_SUBSCRIPTIONS_PER_USER", 2)
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.AGENT))
    first, second = push_service.browser(), push_service.browser()
    assert _subscribe(client, first).status_code == 201
    assert _subscribe(client, second).status_code == 201

    refused = _subscribe(client, push_service.browser())
    again = _subscribe(client, first)

    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "Você já ativou avisos em 2 aparelhos: desative um deles antes."
    )
    assert again.status_code == 201
    with schema_context(tenant_alfa.schema_name):
        assert sorted(PushSubscription.objects.values_list("endpoint", flat=True)) == sorted(
            [first.endpoint, second.endpoint]
        )

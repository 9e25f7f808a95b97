"""Data captured in a conversation (6.5.48.10): the service's rules (key slug, size, latest
value wins with history kept, audit, live event) and `GET/POST /api/conversations/{id}/dados`
with the conversation's own visibility and masking of values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from channels.models import Channel
from desk.captured_selectors import captured_data_history, captured_data_list
from desk.errors import DeskError
from desk.models import CapturedData, Conversation
from desk.services.captured_data import conversation_data_capture
from desk.services.teams import team_create
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.api.fixtures import ApiFor, ConversationOf
from tests.pipeline.fixtures import LiveEvents, live_events  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.48.10")]

PHONE = "(11) 98765-4321"
PHONE_MASKED = "(**) *****-****"


def _rows(tenant: Tenant) -> list[tuple[str, str, str]]:
    with schema_context(tenant.schema_name):
        return list(CapturedData.objects.order_by("pk").values_list("key", "value", "source"))


def test_latest_value_wins_and_history_is_kept(
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
    live_events: Callable[[Tenant], LiveEvents],  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Given a conversation, a flow that captured the neighbourhood, and a live listener
    conversation = conversation_on(webchat_channel)
    events = live_events(tenant_alfa)
    flow = Actor.system("fluxo")
    agent = Actor(user_id=None, label="ana@alfa", via="web")
    with schema_context(tenant_alfa.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            conversation_data_capture(
                actor=flow,
                conversation=conversation,
                key="bairro",
                value="Centro",
                label="Bairro",
                source="flow",
            )
        # When an agent corrects it (no label: the flow's stays), and repeats the same value
        with django_capture_on_commit_callbacks(execute=True):
            corrected = conversation_data_capture(
                actor=agent, conversation=conversation, key="bairro", value="  Jardim América "
            )
        again = conversation_data_capture(
            actor=agent, conversation=conversation, key="bairro", value="Jardim América"
        )

        # Then the current value is the agent's, and the flow's stays in the history
        current = list(captured_data_list(conversation=conversation))
        history = list(captured_data_history(conversation=conversation))
        audits = list(
            AuditEntry.objects.filter(action="conversation.data_capture")
            .order_by("pk")
            .values_list("actor_label", "before", "after")
        )
    assert again.pk == corrected.pk
    assert [(row.key, row.label, row.value, row.source) for row in current] == [
        ("bairro", "Bairro", "Jardim América", "agent")
    ]
    assert [row.value for row in history] == ["Jardim América", "Centro"]
    assert audits == [
        (
            "fluxo",
            None,
            {"key": "bairro", "label": "Bairro", "value": "Centro", "source": "flow"},
        ),
        (
            "ana@alfa",
            {"key": "bairro", "value": "Centro"},
            {"key": "bairro", "label": "Bairro", "value": "Jardim América", "source": "agent"},
        ),
    ]
    # And each change was announced live, without the value (it may be personal data)
    data_events = [e for e in events.collect(wait_for=2) if e["type"] == "conversation.data"]
    assert [e["payload"]["key"] for e in data_events] == ["bairro", "bairro"]
    assert all("value" not in e["payload"] for e in data_events)
    assert data_events[0]["payload"]["conversation_id"] == conversation.pk
    assert data_events[0]["audience"]["teams"] == [conversation.team_id]


@pytest.mark.parametrize(
    ("key", "value", "source", "code"),
    [
        ("Bairro Novo", "Centro", "agent", "captured_key_invalid"),
        ("1bairro", "Centro", "agent", "captured_key_invalid"),
        ("bairro-novo", "Centro", "agent", "captured_key_invalid"),
        ("b" * 51, "Centro", "agent", "captured_key_invalid"),
        ("bairro", "   ", "agent", "captured_value_required"),
        ("bairro", "x" * 501, "agent", "captured_value_too_long"),
        ("bairro", "Centro", "robo", "captured_source_invalid"),
    ],
)
def test_invalid_input_is_refused_and_changes_nothing(
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
    key: str,
    value: str,
    source: str,
    code: str,
) -> None:
    conversation = conversation_on(webchat_channel)
    with schema_context(tenant_alfa.schema_name), pytest.raises(DeskError) as refused:
        conversation_data_capture(
            actor=Actor.system(), conversation=conversation, key=key, value=value, source=source
        )
    assert refused.value.code == code
    assert _rows(tenant_alfa) == []


@pytest.mark.parametrize(
    ("api", "expected"),
    list(
        zip(
            ["anonymous", "other_tenant", Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR],
            [401, 401, 201, 201, 201, 403],
            strict=True,
        )
    ),
    indirect=["api"],
)
def test_who_may_record_data(
    api: Client,
    expected: int,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
) -> None:
    conversation = conversation_on(webchat_channel)

    response = api.post(
        f"/api/conversations/{conversation.pk}/dados",
        {"key": "bairro", "value": "Centro"},
        content_type="application/json",
    )

    assert response.status_code == expected
    assert _rows(tenant_alfa) == ([("bairro", "Centro", "api")] if expected == 201 else [])


@pytest.mark.parametrize(
    ("api", "expected"),
    list(
        zip(
            ["anonymous", "other_tenant", Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR],
            [401, 401, 200, 200, 200, 403],
            strict=True,
        )
    ),
    indirect=["api"],
)
def test_who_may_read_data(
    api: Client,
    expected: int,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
) -> None:
    conversation = conversation_on(webchat_channel)
    with schema_context(tenant_alfa.schema_name):
        conversation_data_capture(
            actor=Actor.system(), conversation=conversation, key="bairro", value="Centro"
        )

    response = api.get(f"/api/conversations/{conversation.pk}/dados")

    assert response.status_code == expected
    if expected == 200:
        assert [(item["key"], item["value"]) for item in response.json()] == [("bairro", "Centro")]


@audits_route("tenant:POST /api/conversations/<conversation_id>/dados")
def test_an_integration_records_data_and_reads_it_masked_or_not(
    api_for: ApiFor, tenant_alfa: Tenant, webchat_channel: Channel, conversation_on: ConversationOf
) -> None:
    conversation = conversation_on(webchat_channel)
    admin = api_for(Role.ADMIN)
    agent = api_for(Role.AGENT)

    created = admin.post(
        f"/api/conversations/{conversation.pk}/dados",
        {"key": "telefone_contato", "label": "Telefone", "value": PHONE, "source": "flow"},
        content_type="application/json",
    )
    agent.post(
        f"/api/conversations/{conversation.pk}/dados",
        {"key": "bairro", "value": "Centro"},
        content_type="application/json",
    )

    assert created.status_code == 201
    assert created.json()["value"] == PHONE
    assert created.json()["source"] == "flow"
    assert [
        (i["key"], i["value"])
        for i in admin.get(f"/api/conversations/{conversation.pk}/dados").json()
    ] == [("bairro", "Centro"), ("telefone_contato", PHONE)]
    # An agent (no view_sensitive_data) reads the phone masked
    assert [
        (i["key"], i["value"])
        for i in agent.get(f"/api/conversations/{conversation.pk}/dados").json()
    ] == [("bairro", "Centro"), ("telefone_contato", PHONE_MASKED)]
    with schema_context(tenant_alfa.schema_name):
        assert (
            AuditEntry.objects.filter(
                action="conversation.data_capture", object_id=str(conversation.pk), via="api"
            ).count()
            == 2
        )


def test_bad_key_is_a_400_and_unseen_conversation_a_404(
    api_for: ApiFor, tenant_alfa: Tenant, webchat_channel: Channel, conversation_on: ConversationOf
) -> None:
    conversation = conversation_on(webchat_channel)
    with schema_context(tenant_alfa.schema_name):
        elsewhere = team_create(actor=Actor.system(), name="Tributos")
    outsider = api_for(Role.AGENT, teams=[elsewhere])
    admin = api_for(Role.ADMIN)

    bad = admin.post(
        f"/api/conversations/{conversation.pk}/dados",
        {"key": "Bairro!", "value": "Centro"},
        content_type="application/json",
    )
    hidden_read = outsider.get(f"/api/conversations/{conversation.pk}/dados")
    hidden_write = outsider.post(
        f"/api/conversations/{conversation.pk}/dados",
        {"key": "bairro", "value": "Centro"},
        content_type="application/json",
    )
    missing = admin.get("/api/conversations/999999/dados")

    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
        400,
        "captured_key_invalid",
        "key",
    )
    assert hidden_read.status_code == 404
    assert hidden_write.status_code == 404
    assert missing.status_code == 404
    assert _rows(tenant_alfa) == []
    with schema_context(tenant_alfa.schema_name):
        assert Conversation.objects.filter(pk=conversation.pk).exists()


def test_openapi_documents_the_routes(api_for: ApiFor) -> None:
    document = api_for(Role.ADMIN).get("/api/openapi.json").json()
    operations = document["paths"]["/api/conversations/{conversation_id}/dados"]
    assert operations["get"]["summary"] == "Listar dados capturados no atendimento"
    assert operations["post"]["summary"] == "Registrar dado capturado no atendimento"
    assert set(operations["post"]["responses"]) == {"201", "400", "404"}

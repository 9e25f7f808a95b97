"""The WebChat widget's endpoints on the tenant host (/webchat/<key>/…), as a browser on the
municipality's site calls them: allowed origins only, anonymous visitors with signed tokens,
uploads with limits, messages through the same intake as every provider (6.5.1, 6.5.30)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from channels.intake.models import InboxEvent
from channels.models import Channel
from channels.providers.webchat.tokens import issue_visitor_token
from desk.models import Conversation, MediaFile, Message
from tenants.models import Tenant
from tests.conftest import host_of
from tests.pipeline.fixtures import WEBCHAT_ORIGIN

pytestmark = pytest.mark.django_db

EVIL_ORIGIN = "https://phishing.example.com"


@pytest.fixture
def browser(tenant_alfa: Tenant) -> Client:
    return Client(HTTP_HOST=host_of(tenant_alfa), HTTP_ORIGIN=WEBCHAT_ORIGIN)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), (10, 120, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def _token(browser: Client, channel: Channel, previous: str | None = None) -> dict[str, Any]:
    response = browser.post(
        f"/webchat/{channel.account_id}/token", {"token": previous}, content_type="application/json"
    )
    assert response.status_code == 200
    return dict(response.json())


def _send(browser: Client, channel: Channel, session: dict[str, Any], **body: Any) -> Any:
    payload = {
        "client_message_id": "c-1",
        "channel_key": channel.account_id,
        "visitor_id": session["visitor_id"],
        **body,
    }
    return browser.post(
        f"/webchat/{channel.account_id}/messages",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {session['token']}",
    )


def test_the_widget_config_is_given_to_listed_sites_only(
    browser: Client, webchat_channel: Channel, tenant_alfa: Tenant
) -> None:
    url = f"/webchat/{webchat_channel.account_id}/config"

    allowed = browser.get(url)
    other = browser.get(url, HTTP_ORIGIN=EVIL_ORIGIN)
    preflight = browser.options(url, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    unknown = browser.get("/webchat/ck_nao_existe/config")

    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == WEBCHAT_ORIGIN
    assert allowed.json()["greeting"] == "Olá!"
    assert allowed.json()["upload"]["max_bytes"] == 10 * 1024 * 1024
    assert other.status_code == 403
    assert "Access-Control-Allow-Origin" not in other
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == WEBCHAT_ORIGIN
    assert unknown.status_code == 404


def test_a_visitor_gets_a_token_keeps_it_and_a_forged_one_starts_afresh(
    browser: Client, webchat_channel: Channel
) -> None:
    first = _token(browser, webchat_channel)
    renewed = _token(browser, webchat_channel, first["token"])
    forged = issue_visitor_token(
        signing_key="outra-chave",
        channel_key=webchat_channel.account_id,
        visitor_id=first["visitor_id"],
    )
    stranger = _token(browser, webchat_channel, forged)
    no_origin = Client(HTTP_HOST=browser.defaults["HTTP_HOST"]).post(
        f"/webchat/{webchat_channel.account_id}/token", {}, content_type="application/json"
    )

    assert first["visitor_id"].startswith("v_")
    assert (renewed["visitor_id"], renewed["renewed"]) == (first["visitor_id"], True)
    assert stranger["visitor_id"] != first["visitor_id"]
    assert stranger["renewed"] is False
    assert no_origin.status_code == 403


@pytest.mark.req("6.5.1")
@pytest.mark.req("6.5.30")
def test_a_message_goes_through_the_intake_once_and_opens_a_conversation_with_protocol(
    browser: Client,
    webchat_channel: Channel,
    tenant_alfa: Tenant,
    django_capture_on_commit_callbacks: Any,
) -> None:
    session = _token(browser, webchat_channel)

    with django_capture_on_commit_callbacks(execute=True):
        first = _send(browser, webchat_channel, session, text="Olá 🙂 quero um atendimento")
        again = _send(browser, webchat_channel, session, text="Olá 🙂 quero um atendimento")
    conversation = browser.get(
        f"/webchat/{webchat_channel.account_id}/conversation",
        HTTP_AUTHORIZATION=f"Bearer {session['token']}",
    )

    assert (first.status_code, first.json()) == (200, {"status": "ok"})
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert first["Access-Control-Allow-Origin"] == WEBCHAT_ORIGIN
    assert InboxEvent.objects.filter(tenant=tenant_alfa).count() == 1
    with schema_context(tenant_alfa.schema_name):
        stored = Conversation.objects.get()
        assert Message.objects.filter(direction="in").count() == 1
    body = conversation.json()
    assert body["protocol"] == stored.protocol
    assert (body["messages"][0]["direction"], body["messages"][0]["text"]) == (
        "in",
        "Olá 🙂 quero um atendimento",
    )
    assert stored.protocol in body["messages"][1]["text"]


def test_a_stolen_token_cannot_speak_for_another_visitor_or_from_another_site(
    browser: Client, webchat_channel: Channel, tenant_alfa: Tenant
) -> None:
    mine = _token(browser, webchat_channel)
    other = _token(browser, webchat_channel)

    impersonating = _send(
        browser, webchat_channel, {**mine, "visitor_id": other["visitor_id"]}, text="Sou outro"
    )
    elsewhere = browser.post(
        f"/webchat/{webchat_channel.account_id}/messages",
        json.dumps(
            {
                "client_message_id": "c-9",
                "channel_key": webchat_channel.account_id,
                "visitor_id": mine["visitor_id"],
                "text": "oi",
            }
        ),
        content_type="application/json",
        HTTP_ORIGIN=EVIL_ORIGIN,
        HTTP_AUTHORIZATION=f"Bearer {mine['token']}",
    )
    peek = browser.get(
        f"/webchat/{webchat_channel.account_id}/conversation",
        HTTP_AUTHORIZATION="Bearer v1.forjado.mac",
    )

    assert impersonating.status_code == 401
    assert elsewhere.status_code == 403
    assert peek.status_code == 401
    assert InboxEvent.objects.filter(tenant=tenant_alfa).count() == 0


@pytest.mark.req("6.5.1")
def test_a_visitor_uploads_a_file_and_sends_it(
    browser: Client,
    webchat_channel: Channel,
    tenant_alfa: Tenant,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    session = _token(browser, webchat_channel)
    upload = browser.post(
        f"/webchat/{webchat_channel.account_id}/upload",
        {"file": SimpleUploadedFile("buraco.png", _png(), "image/png")},
        HTTP_AUTHORIZATION=f"Bearer {session['token']}",
    )
    assert upload.status_code == 201
    stored = upload.json()

    with django_capture_on_commit_callbacks(execute=True):
        sent = _send(browser, webchat_channel, session, text="Foto do buraco", attachments=[stored])

    assert sent.status_code == 200
    assert stored["upload_id"].startswith("up_")
    assert (stored["mime_type"], stored["filename"]) == ("image/png", "buraco.png")
    with schema_context(tenant_alfa.schema_name):
        message = Message.objects.get(direction="in")
        assert (message.kind, message.text, message.media_status) == (
            "image",
            "Foto do buraco",
            "stored",
        )
        assert message.media == MediaFile.objects.get()


@pytest.mark.parametrize(
    ("name", "content", "content_type", "status", "detail"),
    [
        ("programa.exe", b"MZ\x90\x00", "application/x-msdownload", 415, "não aceito"),
        (
            "enorme.pdf",
            b"%PDF" + b"0" * (10 * 1024 * 1024),
            "application/pdf",
            413,
            "limite é 10 MB",
        ),
        (
            "grande.png",
            b"\x89PNG" + b"0" * (5 * 1024 * 1024),
            "image/png",
            413,
            "o limite para imagens é 5 MB",
        ),
    ],
)
def test_uploads_over_the_limits_get_clear_errors(
    browser: Client,
    webchat_channel: Channel,
    tenant_alfa: Tenant,
    name: str,
    content: bytes,
    content_type: str,
    status: int,
    detail: str,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    session = _token(browser, webchat_channel)
    response = browser.post(
        f"/webchat/{webchat_channel.account_id}/upload",
        {"file": SimpleUploadedFile(name, content, content_type)},
        HTTP_AUTHORIZATION=f"Bearer {session['token']}",
    )

    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert response.json()["field"] == "file"
    assert response["Access-Control-Allow-Origin"] == WEBCHAT_ORIGIN
    with schema_context(tenant_alfa.schema_name):
        assert MediaFile.objects.count() == 0


def test_an_upload_without_a_visitor_token_is_refused(
    browser: Client, webchat_channel: Channel, tenant_alfa: Tenant
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = browser.post(
        f"/webchat/{webchat_channel.account_id}/upload",
        {"file": SimpleUploadedFile("a.png", _png(), "image/png")},
    )

    assert response.status_code == 401
    with schema_context(tenant_alfa.schema_name):
        assert MediaFile.objects.count() == 0

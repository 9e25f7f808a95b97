"""Sending through the WhatsApp adapter against the local Cloud API simulator."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from channels.providers.base import (
    DownloadedMedia,
    MessageKind,
    OutboundMedia,
    OutboundTemplate,
    OutboundText,
)
from channels.providers.errors import (
    AuthenticationFailed,
    MediaTooLarge,
    MediaTypeNotAllowed,
    ProviderError,
    RateLimited,
    RecipientUnavailable,
    SessionWindowClosed,
)
from channels.providers.http import HttpClient
from channels.providers.whatsapp.adapter import WhatsAppAdapter
from channels.providers.whatsapp.graph_errors import error_from_response
from channels.providers.whatsapp.simulator import WhatsAppSimulator, build_inbound_media

TO = "5511987654321"


def last_call(sim: WhatsAppSimulator) -> tuple[str, str, str | None, Any]:
    request = sim.requests[-1]
    return request.method, request.path, request.header("Authorization"), request.json


@pytest.mark.req("6.5.1")
def test_send_text_posts_the_cloud_api_body_with_the_bearer_token(
    wa_sim: WhatsAppSimulator, http: HttpClient
) -> None:
    adapter = WhatsAppAdapter(http=http)

    result = adapter.send(wa_sim.credentials, TO, OutboundText(body="Seu protocolo é 2025-000123."))

    assert result.provider_message_id.startswith("wamid.")
    assert result.raw == {
        "messaging_product": "whatsapp",
        "contacts": [{"input": TO, "wa_id": TO}],
        "messages": [{"id": result.provider_message_id}],
    }
    assert last_call(wa_sim) == (
        "POST",
        "/v21.0/106540352242922/messages",
        f"Bearer {wa_sim.access_token}",
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": TO,
            "type": "text",
            "text": {"preview_url": False, "body": "Seu protocolo é 2025-000123."},
        },
    )


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("message", "expected_body"),
    [
        (
            OutboundMedia(
                kind=MessageKind.IMAGE, link="https://cdn.example.gov.br/mapa.png", caption="Mapa"
            ),
            {
                "type": "image",
                "image": {"link": "https://cdn.example.gov.br/mapa.png", "caption": "Mapa"},
            },
        ),
        (
            OutboundMedia(
                kind=MessageKind.DOCUMENT,
                media_id="1013859600285441",
                filename="boleto.pdf",
                caption="Boleto",
                mime_type="application/pdf",
            ),
            {
                "type": "document",
                "document": {
                    "id": "1013859600285441",
                    "caption": "Boleto",
                    "filename": "boleto.pdf",
                },
            },
        ),
        (
            OutboundMedia(
                kind=MessageKind.AUDIO, media_id="555", mime_type="audio/ogg; codecs=opus"
            ),
            {"type": "audio", "audio": {"id": "555"}},
        ),
        (
            OutboundTemplate(
                name="protocolo_aberto",
                language="pt_BR",
                components=(
                    {"type": "body", "parameters": [{"type": "text", "text": "2025-000123"}]},
                ),
            ),
            {
                "type": "template",
                "template": {
                    "name": "protocolo_aberto",
                    "language": {"code": "pt_BR"},
                    "components": [
                        {"type": "body", "parameters": [{"type": "text", "text": "2025-000123"}]}
                    ],
                },
            },
        ),
        (
            OutboundText(body="Respondendo", reply_to="wamid.IN1", preview_url=True),
            {
                "type": "text",
                "text": {"preview_url": True, "body": "Respondendo"},
                "context": {"message_id": "wamid.IN1"},
            },
        ),
    ],
    ids=["image by link", "document by id", "audio by id", "template", "text reply"],
)
def test_each_message_kind_is_sent_with_the_exact_body(
    wa_sim: WhatsAppSimulator, http: HttpClient, message: Any, expected_body: dict[str, Any]
) -> None:
    WhatsAppAdapter(http=http).send(wa_sim.credentials, TO, message)

    assert wa_sim.sent == [
        {"messaging_product": "whatsapp", "recipient_type": "individual", "to": TO, **expected_body}
    ]


@pytest.mark.req("6.5.1")
def test_mark_as_read(wa_sim: WhatsAppSimulator, http: HttpClient) -> None:
    WhatsAppAdapter(http=http).mark_as_read(wa_sim.credentials, "wamid.IN1")

    assert wa_sim.read_marks == ["wamid.IN1"]
    assert last_call(wa_sim)[3] == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.IN1",
    }


@pytest.mark.req("6.5.1")
def test_unsupported_media_type_is_refused_before_any_request(
    wa_sim: WhatsAppSimulator, http: HttpClient
) -> None:
    gif = OutboundMedia(
        kind=MessageKind.IMAGE, link="https://x.example/a.gif", mime_type="image/gif"
    )

    with pytest.raises(MediaTypeNotAllowed) as raised:
        WhatsAppAdapter(http=http).send(wa_sim.credentials, TO, gif)

    assert raised.value.retryable is False
    assert wa_sim.requests == []


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("mode", "error_class", "code", "retryable", "http_status"),
    [
        ("session_window_closed", SessionWindowClosed, "131047", False, 400),
        ("rate_limited", RateLimited, "130429", True, 400),
        ("pair_rate_limited", RateLimited, "131056", True, 400),
        ("auth", AuthenticationFailed, "190", False, 401),
        ("server_error", ProviderError, "131000", True, 500),
    ],
)
def test_simulated_failures_map_to_typed_errors_and_then_recover(
    wa_sim: WhatsAppSimulator,
    http: HttpClient,
    mode: str,
    error_class: type[ProviderError],
    code: str,
    retryable: bool,
    http_status: int,
) -> None:
    adapter = WhatsAppAdapter(http=http)
    wa_sim.fail_next(mode)

    with pytest.raises(error_class) as raised:
        adapter.send(wa_sim.credentials, TO, OutboundText(body="oi"))

    assert type(raised.value) is error_class
    assert (raised.value.code, raised.value.retryable, raised.value.http_status) == (
        code,
        retryable,
        http_status,
    )
    assert wa_sim.sent == []
    # The failure was for one call only; the next send goes through.
    adapter.send(wa_sim.credentials, TO, OutboundText(body="oi"))
    assert len(wa_sim.sent) == 1


@pytest.mark.req("6.5.1")
def test_a_wrong_access_token_is_rejected_by_the_simulator_like_graph(
    wa_sim: WhatsAppSimulator, http: HttpClient
) -> None:
    from dataclasses import replace

    credentials = replace(wa_sim.credentials, access_token="EAAwrong")

    with pytest.raises(AuthenticationFailed) as raised:
        WhatsAppAdapter(http=http).send(credentials, TO, OutboundText(body="oi"))

    assert (raised.value.code, raised.value.http_status) == ("190", 401)


@pytest.mark.req("6.5.1")
def test_an_unknown_phone_number_id_is_a_permanent_graph_error(
    wa_sim: WhatsAppSimulator, http: HttpClient
) -> None:
    from dataclasses import replace

    credentials = replace(wa_sim.credentials, phone_number_id="999")

    with pytest.raises(ProviderError) as raised:
        WhatsAppAdapter(http=http).send(credentials, TO, OutboundText(body="oi"))

    assert (type(raised.value), raised.value.code, raised.value.retryable) == (
        ProviderError,
        "100",
        False,
    )


@pytest.mark.req("6.5.1")
def test_simulator_validates_bodies_like_graph(wa_sim: WhatsAppSimulator, http: HttpClient) -> None:
    # A body Graph would refuse (no text body) gets Graph's 400 error, not a success.
    response = http.request(
        "POST",
        f"{wa_sim.base_url}/v21.0/{wa_sim.phone_number_id}/messages",
        provider="whatsapp",
        headers={"Authorization": f"Bearer {wa_sim.access_token}"},
        json={"messaging_product": "whatsapp", "to": TO, "type": "text", "text": {}},
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "(#100) The parameter text['body'] is required."
    assert response.json()["error"]["code"] == 100
    assert wa_sim.sent == []


@pytest.mark.req("6.5.1")
def test_media_download_follows_lookup_then_authenticated_fetch(
    wa_sim: WhatsAppSimulator, http: HttpClient
) -> None:
    # Given a photo a citizen sent, held by the (simulated) Cloud API
    content = b"\xff\xd8\xff\xe0 jpeg bytes of a pothole"
    media_id = wa_sim.add_media(content, "image/jpeg")
    delivery = build_inbound_media(
        wa_sim.credentials,
        kind="image",
        media_id=media_id,
        mime_type="image/jpeg",
        sha256=hashlib.sha256(content).hexdigest(),
    )
    adapter = WhatsAppAdapter(http=http)
    media = adapter.parse(delivery.body).messages[0].media
    assert media is not None

    # When the worker downloads it
    downloaded = adapter.download_media(wa_sim.credentials, media.provider_media_id)

    # Then the bytes come back, through a lookup and a fetch both carrying the token
    assert downloaded == DownloadedMedia(content=content, mime_type="image/jpeg", filename=None)
    assert [(r.method, r.path, r.header("Authorization")) for r in wa_sim.requests] == [
        ("GET", f"/v21.0/{media_id}", f"Bearer {wa_sim.access_token}"),
        ("GET", f"/media-download/{media_id}", f"Bearer {wa_sim.access_token}"),
    ]


@pytest.mark.req("6.5.1")
def test_media_larger_than_the_limit_is_refused_before_download(
    wa_sim: WhatsAppSimulator, http: HttpClient
) -> None:
    media_id = wa_sim.add_media(b"x" * 2048, "application/pdf")

    with pytest.raises(MediaTooLarge):
        WhatsAppAdapter(http=http, max_media_bytes=1024).download_media(
            wa_sim.credentials, media_id
        )

    assert [r.path for r in wa_sim.requests] == [f"/v21.0/{media_id}"]


@pytest.mark.req("6.5.1")
def test_unknown_media_id_is_a_graph_error(wa_sim: WhatsAppSimulator, http: HttpClient) -> None:
    with pytest.raises(ProviderError) as raised:
        WhatsAppAdapter(http=http).download_media(wa_sim.credentials, "404404")

    assert (raised.value.code, raised.value.retryable) == ("100", False)


def graph_response(
    status: int, error: dict[str, Any] | None, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request("POST", "https://graph.facebook.com/v21.0/1/messages")
    if error is None:
        return httpx.Response(
            status, text="<html>Bad Gateway</html>", request=request, headers=headers
        )
    return httpx.Response(status, json={"error": error}, request=request, headers=headers)


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("status", "code", "error_class", "retryable"),
    [
        (400, 131047, SessionWindowClosed, False),
        (400, 130429, RateLimited, True),
        (400, 131056, RateLimited, True),
        (400, 80007, RateLimited, True),
        (400, 4, RateLimited, True),
        (400, 131048, RateLimited, True),
        (401, 190, AuthenticationFailed, False),
        (403, 10, AuthenticationFailed, False),
        (403, 200, AuthenticationFailed, False),
        (400, 131026, RecipientUnavailable, False),
        (400, 131030, RecipientUnavailable, False),
        (500, 131000, ProviderError, True),
        (503, 131016, ProviderError, True),
        (400, 1, ProviderError, True),
        (400, 100, ProviderError, False),
        (400, 131009, ProviderError, False),
        (400, 132001, ProviderError, False),
    ],
)
def test_graph_error_codes_map_to_typed_errors(
    status: int, code: int, error_class: type[ProviderError], retryable: bool
) -> None:
    error = {
        "message": f"(#{code}) something",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": "the details"},
        "error_subcode": 2494010,
        "fbtrace_id": "AbCdEf",
    }

    mapped = error_from_response(graph_response(status, error))

    assert type(mapped) is error_class
    assert (
        mapped.provider,
        mapped.code,
        mapped.title,
        mapped.detail,
        mapped.retryable,
        mapped.http_status,
    ) == (
        "whatsapp",
        str(code),
        f"(#{code}) something",
        "the details",
        retryable,
        status,
    )


@pytest.mark.req("6.5.1")
def test_retry_after_header_is_kept_on_rate_limits() -> None:
    mapped = error_from_response(
        graph_response(
            400,
            {"message": "(#130429) Rate limit hit", "code": 130429},
            headers={"Retry-After": "12"},
        )
    )

    assert (type(mapped), mapped.retry_after) == (RateLimited, 12.0)


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(("status", "retryable"), [(502, True), (429, True), (404, False)])
def test_non_graph_error_bodies_still_map(status: int, retryable: bool) -> None:
    mapped = error_from_response(graph_response(status, None))

    assert (type(mapped), mapped.code, mapped.retryable) == (
        ProviderError,
        f"http_{status}",
        retryable,
    )

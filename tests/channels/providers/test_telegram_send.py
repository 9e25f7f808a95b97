"""Sending through the Telegram adapter against the local Bot API simulator."""

from __future__ import annotations

from dataclasses import replace
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
    UnsupportedOutbound,
)
from channels.providers.http import HttpClient
from channels.providers.telegram.adapter import TelegramAdapter
from channels.providers.telegram.bot_api_errors import error_from_response
from channels.providers.telegram.simulator import TelegramSimulator

CHAT = "5511987654"


@pytest.mark.req("6.5.1")
def test_send_text_calls_send_message_with_the_bot_token_in_the_path(
    tg_sim: TelegramSimulator, http: HttpClient
) -> None:
    result = TelegramAdapter(http=http).send(
        tg_sim.credentials, CHAT, OutboundText(body="Protocolo 2025-000123")
    )

    request = tg_sim.requests[-1]
    assert (request.method, request.path) == ("POST", f"/bot{tg_sim.bot_token}/sendMessage")
    assert request.json == {
        "chat_id": 5511987654,
        "text": "Protocolo 2025-000123",
        "link_preview_options": {"is_disabled": True},
    }
    # Telegram has no receipts: the created Message is the proof it was sent.
    assert result.provider_message_id == f"{CHAT}:1001"
    assert result.raw["text"] == "Protocolo 2025-000123"
    assert result.raw["from"]["id"] == tg_sim.bot_id
    assert TelegramAdapter.supports_delivery_receipts is False


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("message", "method", "params"),
    [
        (
            OutboundMedia(
                kind=MessageKind.IMAGE, link="https://cdn.example.gov.br/mapa.png", caption="Mapa"
            ),
            "sendPhoto",
            {"photo": "https://cdn.example.gov.br/mapa.png", "caption": "Mapa"},
        ),
        (
            OutboundMedia(kind=MessageKind.DOCUMENT, link="https://cdn.example.gov.br/boleto.pdf"),
            "sendDocument",
            {"document": "https://cdn.example.gov.br/boleto.pdf"},
        ),
        (
            OutboundMedia(kind=MessageKind.AUDIO, link="https://cdn.example.gov.br/aviso.mp3"),
            "sendAudio",
            {"audio": "https://cdn.example.gov.br/aviso.mp3"},
        ),
        (
            OutboundMedia(
                kind=MessageKind.VIDEO,
                link="https://cdn.example.gov.br/tutorial.mp4",
                caption="Veja",
            ),
            "sendVideo",
            {"video": "https://cdn.example.gov.br/tutorial.mp4", "caption": "Veja"},
        ),
        (
            OutboundText(body="Sim", reply_to=f"{CHAT}:77"),
            "sendMessage",
            {
                "text": "Sim",
                "link_preview_options": {"is_disabled": True},
                "reply_parameters": {"message_id": 77, "allow_sending_without_reply": True},
            },
        ),
    ],
    ids=["photo by url", "document by url", "audio by url", "video by url", "text reply"],
)
def test_each_message_kind_uses_its_bot_api_method(
    tg_sim: TelegramSimulator, http: HttpClient, message: Any, method: str, params: dict[str, Any]
) -> None:
    TelegramAdapter(http=http).send(tg_sim.credentials, CHAT, message)

    assert tg_sim.sent == [(method, {"chat_id": 5511987654, **params})]


@pytest.mark.req("6.5.1")
def test_a_file_the_bot_already_holds_is_sent_by_file_id(
    tg_sim: TelegramSimulator, http: HttpClient
) -> None:
    file_id = tg_sim.add_file(b"%PDF-1.7", "documents/file_3.pdf")

    result = TelegramAdapter(http=http).send(
        tg_sim.credentials, CHAT, OutboundMedia(kind=MessageKind.DOCUMENT, media_id=file_id)
    )

    assert tg_sim.sent == [("sendDocument", {"chat_id": 5511987654, "document": file_id})]
    assert result.raw["document"]["file_id"] == file_id


@pytest.mark.req("6.5.1")
def test_templates_and_wrong_media_types_are_refused_before_any_request(
    tg_sim: TelegramSimulator, http: HttpClient
) -> None:
    adapter = TelegramAdapter(http=http)

    with pytest.raises(UnsupportedOutbound):
        adapter.send(
            tg_sim.credentials, CHAT, OutboundTemplate(name="protocolo_aberto", language="pt_BR")
        )
    with pytest.raises(MediaTypeNotAllowed):
        adapter.send(
            tg_sim.credentials,
            CHAT,
            OutboundMedia(
                kind=MessageKind.IMAGE, link="https://x.example/a.pdf", mime_type="application/pdf"
            ),
        )

    assert tg_sim.requests == []


@pytest.mark.req("6.5.1")
def test_set_webhook_registers_url_secret_and_allowed_updates(
    tg_sim: TelegramSimulator, http: HttpClient
) -> None:
    TelegramAdapter(http=http).set_webhook(
        tg_sim.credentials, "https://demo.example.gov.br/webhooks/telegram/7000000001/"
    )

    assert tg_sim.webhook == {
        "url": "https://demo.example.gov.br/webhooks/telegram/7000000001/",
        "secret_token": tg_sim.secret_token,
        "allowed_updates": ["message", "edited_message", "callback_query"],
        "drop_pending_updates": False,
    }


@pytest.mark.req("6.5.1")
def test_set_webhook_refuses_plain_http_like_telegram(
    tg_sim: TelegramSimulator, http: HttpClient
) -> None:
    with pytest.raises(ProviderError) as raised:
        TelegramAdapter(http=http).set_webhook(
            tg_sim.credentials, "http://demo.example.gov.br/hook"
        )

    assert (raised.value.code, raised.value.title) == (
        "400",
        "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
    )


@pytest.mark.req("6.5.1")
def test_answer_callback_query_strips_our_prefix(
    tg_sim: TelegramSimulator, http: HttpClient
) -> None:
    TelegramAdapter(http=http).answer_callback_query(
        tg_sim.credentials, "callback:4382bfdwdsb323b2d9"
    )

    assert tg_sim.answered_callbacks == ["4382bfdwdsb323b2d9"]


@pytest.mark.req("6.5.1")
def test_media_download_uses_get_file_then_the_file_url(
    tg_sim: TelegramSimulator, http: HttpClient
) -> None:
    file_id = tg_sim.add_file(b"OggS voice note", "voice/file_12.ogg")

    downloaded = TelegramAdapter(http=http).download_media(tg_sim.credentials, file_id)

    assert downloaded == DownloadedMedia(
        content=b"OggS voice note", mime_type="audio/ogg", filename="file_12.ogg"
    )
    assert [(r.method, r.path) for r in tg_sim.requests] == [
        ("POST", f"/bot{tg_sim.bot_token}/getFile"),
        ("GET", f"/file/bot{tg_sim.bot_token}/voice/file_12.ogg"),
    ]


@pytest.mark.req("6.5.1")
def test_unknown_file_id_is_a_bot_api_error(tg_sim: TelegramSimulator, http: HttpClient) -> None:
    with pytest.raises(ProviderError) as raised:
        TelegramAdapter(http=http).download_media(tg_sim.credentials, "nope")

    assert (raised.value.code, raised.value.title, raised.value.retryable) == (
        "400",
        "Bad Request: invalid file_id",
        False,
    )


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("mode", "error_class", "code", "retryable", "retry_after"),
    [
        ("rate_limited", RateLimited, "429", True, 5.0),
        ("auth", AuthenticationFailed, "401", False, None),
        ("chat_not_found", RecipientUnavailable, "400", False, None),
        ("blocked", RecipientUnavailable, "403", False, None),
        ("server_error", ProviderError, "500", True, None),
    ],
)
def test_simulated_failures_map_to_typed_errors_and_then_recover(
    tg_sim: TelegramSimulator,
    http: HttpClient,
    mode: str,
    error_class: type[ProviderError],
    code: str,
    retryable: bool,
    retry_after: float | None,
) -> None:
    adapter = TelegramAdapter(http=http)
    tg_sim.fail_next(mode)

    with pytest.raises(error_class) as raised:
        adapter.send(tg_sim.credentials, CHAT, OutboundText(body="oi"))

    assert type(raised.value) is error_class
    assert (raised.value.code, raised.value.retryable, raised.value.retry_after) == (
        code,
        retryable,
        retry_after,
    )
    adapter.send(tg_sim.credentials, CHAT, OutboundText(body="oi"))
    assert len(tg_sim.sent) == 1


@pytest.mark.req("6.5.1")
def test_a_wrong_bot_token_gets_telegrams_401(tg_sim: TelegramSimulator, http: HttpClient) -> None:
    credentials = replace(tg_sim.credentials, bot_token="7000000001:wrong")

    with pytest.raises(AuthenticationFailed) as raised:
        TelegramAdapter(http=http).send(credentials, CHAT, OutboundText(body="oi"))

    assert (raised.value.code, raised.value.title) == ("401", "Unauthorized")


@pytest.mark.req("6.5.1")
def test_an_unknown_chat_gets_chat_not_found(http: HttpClient) -> None:
    with TelegramSimulator(known_chats={"42"}) as simulator:
        adapter = TelegramAdapter(http=http)
        adapter.send(simulator.credentials, "42", OutboundText(body="oi"))
        with pytest.raises(RecipientUnavailable) as raised:
            adapter.send(simulator.credentials, "43", OutboundText(body="oi"))

    assert raised.value.title == "Bad Request: chat not found"


@pytest.mark.req("6.5.1")
def test_simulator_validates_bodies_like_the_bot_api(
    tg_sim: TelegramSimulator, http: HttpClient
) -> None:
    with pytest.raises(ProviderError) as raised:
        TelegramAdapter(http=http).send(tg_sim.credentials, CHAT, OutboundText(body=""))

    assert (raised.value.code, raised.value.title) == ("400", "Bad Request: message text is empty")
    assert tg_sim.sent == []


def bot_response(status: int, payload: dict[str, Any] | None) -> httpx.Response:
    request = httpx.Request("POST", "https://api.telegram.org/bot1:a/sendMessage")
    if payload is None:
        return httpx.Response(status, text="<html>502 Bad Gateway</html>", request=request)
    return httpx.Response(status, json=payload, request=request)


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("status", "description", "parameters", "error_class", "retryable", "retry_after"),
    [
        (429, "Too Many Requests: retry after 31", {"retry_after": 31}, RateLimited, True, 31.0),
        (401, "Unauthorized", None, AuthenticationFailed, False, None),
        (404, "Not Found", None, AuthenticationFailed, False, None),
        (400, "Bad Request: chat not found", None, RecipientUnavailable, False, None),
        (403, "Forbidden: bot was blocked by the user", None, RecipientUnavailable, False, None),
        (403, "Forbidden: user is deactivated", None, RecipientUnavailable, False, None),
        (400, "Bad Request: file is too big", None, MediaTooLarge, False, None),
        (413, "Request Entity Too Large", None, MediaTooLarge, False, None),
        (
            400,
            "Bad Request: wrong file identifier/HTTP URL specified",
            None,
            MediaTypeNotAllowed,
            False,
            None,
        ),
        (400, "Bad Request: message text is empty", None, ProviderError, False, None),
        (500, "Internal Server Error", None, ProviderError, True, None),
    ],
)
def test_bot_api_errors_map_to_typed_errors(
    status: int,
    description: str,
    parameters: dict[str, Any] | None,
    error_class: type[ProviderError],
    retryable: bool,
    retry_after: float | None,
) -> None:
    payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        payload["parameters"] = parameters

    mapped = error_from_response(bot_response(status, payload))

    assert type(mapped) is error_class
    assert (mapped.provider, mapped.code, mapped.title, mapped.retryable, mapped.retry_after) == (
        "telegram",
        str(status),
        description,
        retryable,
        retry_after,
    )


@pytest.mark.req("6.5.1")
def test_a_group_migration_is_explained_in_the_detail() -> None:
    mapped = error_from_response(
        bot_response(
            400,
            {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": -1001234567890},
            },
        )
    )

    assert (type(mapped), mapped.detail) == (ProviderError, "group moved to chat -1001234567890")


@pytest.mark.req("6.5.1")
def test_a_gateway_error_page_is_retryable() -> None:
    mapped = error_from_response(bot_response(502, None))

    assert (type(mapped), mapped.code, mapped.retryable) == (ProviderError, "502", True)

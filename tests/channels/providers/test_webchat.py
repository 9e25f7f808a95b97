"""WebChat: visitor tokens, origin allow-list, message parsing and the outbound wire payload."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from channels.providers.base import (
    DownloadedMedia,
    InboundMessage,
    MediaRef,
    MessageKind,
    OutboundMedia,
    OutboundTemplate,
    OutboundText,
    ParsedEvent,
)
from channels.providers.errors import (
    InvalidSignature,
    MalformedPayload,
    MediaTooLarge,
    MediaTypeNotAllowed,
    OriginNotAllowed,
    ProviderError,
    TokenExpired,
    UnsupportedOutbound,
)
from channels.providers.webchat.adapter import WebChatAdapter
from channels.providers.webchat.credentials import WebChatCredentials
from channels.providers.webchat.origins import normalize_origin, origin_allowed
from channels.providers.webchat.protocol import check_upload
from channels.providers.webchat.simulator import build_webchat_message
from channels.providers.webchat.tokens import (
    VisitorClaims,
    issue_visitor_token,
    new_visitor_id,
    verify_visitor_token,
)

from .payloads import fixture_bytes, fixture_json

KEY = "b6f7e2c1d0a94f3e8c7b6a5d4e3f2a1b"
CHANNEL = "ck_prefeitura_demo"
VISITOR = "v_Q2hhdmVEZVZpc2l0YW50ZQ"
ISSUED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
CREDENTIALS = WebChatCredentials(
    channel_key=CHANNEL, signing_key=KEY, allowed_origins=("https://www.prefeitura.example.gov.br",)
)


def token(**overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "signing_key": KEY,
        "channel_key": CHANNEL,
        "visitor_id": VISITOR,
        "issued_at": ISSUED,
    }
    return issue_visitor_token(**(arguments | overrides))


# --- tokens ------------------------------------------------------------------------------------


@pytest.mark.req("6.5.1")
def test_an_issued_token_verifies_to_its_claims() -> None:
    claims = verify_visitor_token(
        token(ttl=timedelta(hours=2)), signing_key=KEY, channel_key=CHANNEL, now=NOW
    )

    assert claims == VisitorClaims(
        visitor_id=VISITOR,
        channel_key=CHANNEL,
        issued_at=ISSUED,
        expires_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
    )


@pytest.mark.req("6.5.1")
def test_a_token_is_valid_until_just_before_its_expiry() -> None:
    short = token(ttl=timedelta(minutes=10))

    verify_visitor_token(short, signing_key=KEY, now=ISSUED + timedelta(minutes=9, seconds=59))
    with pytest.raises(TokenExpired):
        verify_visitor_token(short, signing_key=KEY, now=ISSUED + timedelta(minutes=10))


def _swap_payload(original: str, **claims: Any) -> str:
    """Re-encode the payload with other claims but keep the original signature."""
    import base64

    version, payload, mac = original.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(decoded | claims).encode()).rstrip(b"=").decode()
    return f"{version}.{forged}.{mac}"


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("case", "candidate", "channel_key"),
    [
        ("another visitor id", _swap_payload(token(), vid="v_someone_else"), CHANNEL),
        ("expiry pushed forward", _swap_payload(token(), exp=4102444800), CHANNEL),
        (
            "signature altered",
            token()[:-2] + ("AA" if not token().endswith("AA") else "BB"),
            CHANNEL,
        ),
        ("signed with another key", token(signing_key="other-key"), CHANNEL),
        ("for another channel", token(channel_key="ck_other"), CHANNEL),
        ("issued in the future", token(issued_at=NOW + timedelta(hours=1)), CHANNEL),
        ("not a token", "hello", CHANNEL),
        ("wrong version", "v0" + token()[2:], CHANNEL),
        ("empty", "", CHANNEL),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else None,
)
def test_tampered_or_foreign_tokens_are_refused(
    case: str, candidate: str, channel_key: str
) -> None:
    with pytest.raises(InvalidSignature) as raised:
        verify_visitor_token(candidate, signing_key=KEY, channel_key=channel_key, now=NOW)

    assert type(raised.value) is InvalidSignature


@pytest.mark.req("6.5.1")
def test_visitor_ids_are_fresh_and_url_safe() -> None:
    first, second = new_visitor_id(), new_visitor_id()

    assert first != second
    assert first.startswith("v_")
    assert first[2:].replace("-", "").replace("_", "").isalnum()


# --- origins -----------------------------------------------------------------------------------


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("https://www.prefeitura.example.gov.br", "https://www.prefeitura.example.gov.br"),
        ("HTTPS://WWW.Prefeitura.Example.gov.br", "https://www.prefeitura.example.gov.br"),
        ("https://www.prefeitura.example.gov.br:443", "https://www.prefeitura.example.gov.br"),
        ("https://www.prefeitura.example.gov.br/", "https://www.prefeitura.example.gov.br"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("http://localhost:80", "http://localhost"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("null", None),
        ("", None),
        (None, None),
        ("ftp://files.example.gov.br", None),
        ("https://www.prefeitura.example.gov.br/atendimento", None),
        ("https://user@www.prefeitura.example.gov.br", None),
        ("https://host:99999", None),
    ],
)
def test_origin_normalization(raw: str | None, normalized: str | None) -> None:
    assert normalize_origin(raw) == normalized


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://www.prefeitura.example.gov.br", True),
        ("https://www.prefeitura.example.gov.br:443", True),
        ("http://www.prefeitura.example.gov.br", False),
        ("https://www.prefeitura.example.gov.br:8443", False),
        ("https://prefeitura.example.gov.br", False),
        ("https://www.prefeitura.example.gov.br.evil.example", False),
        ("https://evil.example", False),
        ("null", False),
        (None, False),
    ],
)
def test_only_exact_listed_origins_are_allowed(origin: str | None, allowed: bool) -> None:
    assert origin_allowed(origin, ["https://www.prefeitura.example.gov.br/"]) is allowed


# --- verify ------------------------------------------------------------------------------------

adapter = WebChatAdapter(clock=lambda: NOW)


def widget_request(**overrides: Any) -> tuple[dict[str, str], bytes]:
    delivery = build_webchat_message(
        CREDENTIALS,
        visitor_id=VISITOR,
        text="Olá",
        client_message_id="c-1",
        issued_at=ISSUED,
        **overrides,
    )
    return dict(delivery.headers), delivery.body


@pytest.mark.req("6.5.1")
def test_a_widget_request_from_an_allowed_page_with_its_token_is_accepted() -> None:
    headers, body = widget_request()

    adapter.verify(headers, body, CREDENTIALS)


@pytest.mark.req("6.5.1")
def test_a_request_from_another_page_is_refused_as_origin_not_allowed() -> None:
    headers, body = widget_request(origin="https://phishing.example")

    with pytest.raises(OriginNotAllowed):
        adapter.verify(headers, body, CREDENTIALS)


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    "mutate",
    [
        lambda h, b: ({k: v for k, v in h.items() if k != "Authorization"}, b),
        lambda h, b: (h | {"Authorization": "Basic dXNlcjpwYXNz"}, b),
        lambda h, b: (h | {"Authorization": "Bearer " + token(visitor_id="v_other")}, b),
        lambda h, b: (h | {"Authorization": "Bearer " + token(signing_key="x")}, b),
    ],
    ids=["no token", "not bearer", "token of another visitor", "forged token"],
)
def test_requests_without_the_visitors_genuine_token_are_refused(mutate: Any) -> None:
    headers, body = mutate(*widget_request())

    with pytest.raises(InvalidSignature):
        adapter.verify(headers, body, CREDENTIALS)


@pytest.mark.req("6.5.1")
def test_an_expired_token_is_refused_as_expired() -> None:
    headers, body = widget_request()
    late = WebChatAdapter(clock=lambda: ISSUED + timedelta(days=31))

    with pytest.raises(TokenExpired):
        late.verify(headers, body, CREDENTIALS)


@pytest.mark.req("6.5.1")
def test_a_body_for_another_channel_is_malformed() -> None:
    headers, body = widget_request()
    other = json.loads(body) | {"channel_key": "ck_other"}

    with pytest.raises(MalformedPayload):
        adapter.verify(headers, json.dumps(other).encode(), CREDENTIALS)


# --- parse -------------------------------------------------------------------------------------


@pytest.mark.req("6.5.1")
def test_text_fixture_parses_to_one_message() -> None:
    parsed = adapter.parse(fixture_bytes("webchat", "message_text"), account_id=CHANNEL)

    assert parsed == ParsedEvent(
        messages=(
            InboundMessage(
                provider="webchat",
                account_id=CHANNEL,
                provider_message_id="c-5f0c9a1e2b7d4e31a8c2",
                sender_id=VISITOR,
                sender_name="Maria",
                timestamp=NOW,
                kind=MessageKind.TEXT,
                text="Bom dia, quero saber do IPTU.",
                raw=fixture_json("webchat", "message_text"),
            ),
        )
    )


@pytest.mark.req("6.5.1")
def test_attachment_fixture_parses_to_a_document_with_caption() -> None:
    parsed = adapter.parse(fixture_bytes("webchat", "message_attachment"))

    assert parsed == ParsedEvent(
        messages=(
            InboundMessage(
                provider="webchat",
                account_id=CHANNEL,
                provider_message_id="c-71d2aa09f3e54b6c9e10",
                sender_id=VISITOR,
                timestamp=NOW,
                kind=MessageKind.DOCUMENT,
                text="Segue o comprovante",
                media=MediaRef(
                    provider_media_id="up_8b1f2c",
                    mime_type="application/pdf",
                    filename="comprovante.pdf",
                    sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    caption="Segue o comprovante",
                    size=48213,
                ),
                raw=fixture_json("webchat", "message_attachment"),
            ),
        )
    )


@pytest.mark.req("6.5.1")
def test_several_attachments_become_several_messages() -> None:
    parsed = adapter.parse(fixture_bytes("webchat", "message_attachments"))

    assert [(m.provider_message_id, m.kind, m.text, m.media) for m in parsed.messages] == [
        (
            "c-0b44e7c1d2a94f0e8b57",
            MessageKind.IMAGE,
            "Fotos do buraco",
            MediaRef(
                provider_media_id="up_a1",
                mime_type="image/jpeg",
                filename="foto1.jpg",
                caption="Fotos do buraco",
                size=204800,
            ),
        ),
        (
            "c-0b44e7c1d2a94f0e8b57#2",
            MessageKind.IMAGE,
            None,
            MediaRef(
                provider_media_id="up_a2", mime_type="image/png", filename="foto2.png", size=102400
            ),
        ),
    ]


def body_of(**fields: Any) -> bytes:
    base: dict[str, Any] = {
        "client_message_id": "c-1",
        "channel_key": CHANNEL,
        "visitor_id": VISITOR,
        "text": "oi",
    }
    return json.dumps(
        {key: value for key, value in (base | fields).items() if value is not None}
    ).encode()


MALFORMED = {
    "not json": b"oi",
    "no client id": body_of(client_message_id=None),
    "client id with spaces": body_of(client_message_id="c 1"),
    "client id too long": body_of(client_message_id="c" * 101),
    "no visitor": body_of(visitor_id=None),
    "no channel": body_of(channel_key=None),
    "nothing to say": body_of(text=None),
    "text too long": body_of(text="a" * 4097),
    "text not a string": body_of(text=42),
    "attachments not a list": body_of(attachments={"upload_id": "x"}),
    "too many attachments": body_of(
        attachments=[{"upload_id": str(i), "mime_type": "image/png"} for i in range(11)]
    ),
    "attachment without upload id": body_of(attachments=[{"mime_type": "image/png"}]),
    "attachment with negative size": body_of(
        attachments=[{"upload_id": "u", "mime_type": "image/png", "size": -1}]
    ),
}


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_widget_bodies_raise_malformed_payload(body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        adapter.parse(body)


@pytest.mark.req("6.5.1")
def test_a_body_sent_to_another_channel_url_is_malformed() -> None:
    with pytest.raises(MalformedPayload):
        adapter.parse(body_of(), account_id="ck_other")


# --- outbound ----------------------------------------------------------------------------------


@pytest.mark.req("6.5.1")
def test_send_builds_the_widget_payload_and_returns_its_generated_id() -> None:
    result = adapter.send(
        CREDENTIALS, VISITOR, OutboundText(body="Seu protocolo é 2025-000123.", reply_to="c-1")
    )

    assert result.provider_message_id.startswith("wc_")
    assert len(result.provider_message_id) == 35
    assert result.raw == {
        "type": "message",
        "id": result.provider_message_id,
        "channel_key": CHANNEL,
        "visitor_id": VISITOR,
        "sent_at": "2026-03-02T12:30:00+00:00",
        "kind": "text",
        "text": "Seu protocolo é 2025-000123.",
        "attachment": None,
        "reply_to": "c-1",
    }


@pytest.mark.req("6.5.1")
def test_send_media_carries_the_attachment() -> None:
    result = adapter.send(
        CREDENTIALS,
        VISITOR,
        OutboundMedia(
            kind=MessageKind.DOCUMENT,
            link="https://demo.example.gov.br/media/boleto.pdf",
            mime_type="application/pdf",
            filename="boleto.pdf",
            caption="Boleto",
        ),
    )

    assert (result.raw["kind"], result.raw["text"], result.raw["attachment"]) == (
        "document",
        "Boleto",
        {
            "url": "https://demo.example.gov.br/media/boleto.pdf",
            "mime_type": "application/pdf",
            "filename": "boleto.pdf",
        },
    )


@pytest.mark.req("6.5.1")
def test_templates_do_not_exist_on_webchat() -> None:
    with pytest.raises(UnsupportedOutbound):
        adapter.send(
            CREDENTIALS, VISITOR, OutboundTemplate(name="protocolo_aberto", language="pt_BR")
        )


class MemoryStore:
    def __init__(self) -> None:
        self.files = {
            (CHANNEL, "up_8b1f2c"): DownloadedMedia(
                b"%PDF-1.7", "application/pdf", "comprovante.pdf"
            )
        }

    def open_upload(self, channel_key: str, upload_id: str) -> DownloadedMedia:
        return self.files[(channel_key, upload_id)]


@pytest.mark.req("6.5.1")
def test_media_is_read_back_from_the_applications_upload_store() -> None:
    with_store = WebChatAdapter(media_store=MemoryStore(), clock=lambda: NOW)

    assert with_store.download_media(CREDENTIALS, "up_8b1f2c") == DownloadedMedia(
        b"%PDF-1.7", "application/pdf", "comprovante.pdf"
    )
    with pytest.raises(ProviderError) as raised:
        adapter.download_media(CREDENTIALS, "up_8b1f2c")
    assert raised.value.code == "no_media_store"


@pytest.mark.req("6.5.1")
def test_upload_checks_refuse_wrong_types_and_big_files() -> None:
    check_upload("image/png", 1024)
    check_upload("audio/ogg; codecs=opus", 1024)
    with pytest.raises(MediaTypeNotAllowed):
        check_upload("application/x-msdownload", 1024)
    with pytest.raises(MediaTooLarge):
        check_upload("application/pdf", 10 * 1024 * 1024 + 1)

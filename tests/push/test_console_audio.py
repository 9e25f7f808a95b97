"""Voice messages recorded in the console (6.5.64.4), server side: the recorder posts the
recording as the composer's attachment, so real Ogg/Opus and WebM/Opus recordings (made by
Chromium's MediaRecorder, tests/push/fixtures/) become audio messages, and the audio limits
refuse with a clear message and write nothing. The console carries the recorder and the
push switch."""

from __future__ import annotations

import hashlib
import html
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from desk.models import Conversation, Direction, MediaFile, Message
from routing.services.lifecycle import conversation_assign
from tenants.models import Tenant
from tests.push.ogg import ogg_opus_summary
from tests.routing.conftest import DeskFactory, actor_of

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
OGG = (FIXTURES / "voice.ogg").read_bytes()
WEBM = (FIXTURES / "voice.webm").read_bytes()


def _assigned(desk: DeskFactory) -> tuple[Any, Conversation]:
    team = desk.team("Obras")
    agent = desk.agent(team, name="Ana Souza")
    conversation = desk.conversation(team)
    conversation_assign(
        actor=actor_of(desk.user(Role.SUPERVISOR)), conversation=conversation, agent=agent
    )
    return agent, conversation


def _send(client: Any, conversation: Conversation, name: str, content: bytes, type_: str) -> Any:
    upload = SimpleUploadedFile(name, content, content_type=type_)
    return client.post(
        f"/console/c/{conversation.pk}/enviar",
        {"text": "", "attachment": upload},
        headers={"HX-Request": "true"},
    )


def test_the_fixture_is_a_real_ogg_opus_recording() -> None:
    summary = ogg_opus_summary(OGG)
    assert (summary.channels, summary.packets) == (1, 23)
    assert 1.0 <= summary.seconds <= 1.5
    assert WEBM[:4] == b"\x1a\x45\xdf\xa3" and b"A_OPUS" in WEBM


@pytest.mark.req("6.5.64.4")
@pytest.mark.parametrize(
    ("name", "content", "type_", "stored_type"),
    [
        ("audio-20261128-101500.ogg", OGG, "audio/ogg", "audio/ogg"),
        ("audio-20261128-101500.webm", WEBM, "audio/webm;codecs=opus", "audio/webm"),
    ],
)
def test_a_recording_becomes_an_audio_message(
    name: str,
    content: bytes,
    type_: str,
    stored_type: str,
    desk: DeskFactory,
    alfa: Tenant,
    client_for: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    # given an agent with an assigned conversation
    settings.MEDIA_ROOT = str(tmp_path)
    agent, conversation = _assigned(desk)

    # when the recorder posts the recording
    response = _send(client_for(alfa, agent), conversation, name, content, type_)

    # then an audio message with exactly those bytes is queued and the thread plays it
    assert response.status_code == 200
    message = Message.objects.select_related("media").get(
        conversation=conversation, direction=Direction.OUTBOUND
    )
    assert message.media is not None
    assert (message.kind, message.text) == ("audio", "")
    assert (message.media.mime_type, message.media.size, message.media.original_name) == (
        stored_type,
        len(content),
        name,
    )
    assert message.media.sha256 == hashlib.sha256(content).hexdigest()
    with message.media.file.open("rb") as stored:
        assert stored.read() == content
    assert "<audio controls" in response.content.decode()


@pytest.mark.parametrize(
    ("type_", "limit", "expected"),
    [
        (
            "audio/ogg",
            10 * 1024,
            "Arquivo recebido com 14,8 KB: o limite para áudios é 10 KB.",
        ),
        (
            "audio/x-ms-wma",
            16 * 1024 * 1024,
            "Tipo de arquivo não aceito para áudios: audio/x-ms-wma.",
        ),
    ],
)
def test_a_recording_over_the_limits_is_refused_clearly(
    type_: str,
    limit: int,
    expected: str,
    desk: DeskFactory,
    alfa: Tenant,
    client_for: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    # given an audio limit
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MEDIA_MAX_BYTES = {**settings.MEDIA_MAX_BYTES, "audio": limit}
    agent, conversation = _assigned(desk)
    files_before = MediaFile.objects.count()

    # when a recording over it (or of a type not taken) is posted
    response = _send(client_for(alfa, agent), conversation, "gravacao.ogg", OGG, type_)

    # then the pane says why and nothing is written
    assert response.status_code == 200
    assert expected in html.unescape(response.content.decode())
    assert (
        Message.objects.filter(conversation=conversation, direction=Direction.OUTBOUND).count() == 0
    )
    assert MediaFile.objects.count() == files_before


@pytest.mark.req("6.5.64")
def test_the_console_carries_the_recorder_and_the_push_switch(
    desk: DeskFactory, alfa: Tenant, client_for: Any, vapid: tuple[str, str]
) -> None:
    agent, conversation = _assigned(desk)

    page = client_for(alfa, agent).get(f"/console/c/{conversation.pk}/").content.decode()

    assert f'data-push-key="{vapid[1]}"' in page
    assert 'data-push-api="/api/push/inscricoes"' in page
    assert "data-audio-template" in page
    assert f'data-max-bytes="{16 * 1024 * 1024}"' in page
    assert "/static/portal/audio.js" in page
    assert "/static/portal/push.js" in page

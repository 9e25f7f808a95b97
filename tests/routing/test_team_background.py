"""6.5.37.8: a background image per team behind the console's conversation area: uploaded on
the team screen (type and size checked on the bytes, stored in tenant storage like any media),
shown to the team's agents and to nobody else."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from accounts.roles import Role
from desk.models import MediaFile
from routing.models import TeamConsoleSettings
from routing.services.console_settings import BACKGROUND_MAX_BYTES
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory

pytestmark = pytest.mark.django_db


def _image(image_format: str, size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, format=image_format)
    return buffer.getvalue()


def _upload(client: Client, team_id: int, content: bytes, name: str, mime: str) -> Any:
    return client.post(
        f"/roteamento/equipes/{team_id}/console/",
        {
            "history_visibility": "all",
            "background": SimpleUploadedFile(name, content, content_type=mime),
        },
    )


@pytest.fixture
def admin_client(desk: DeskFactory, client_for: Callable[..., Client], alfa: Tenant) -> Client:
    return client_for(alfa, desk.user(Role.ADMIN, name="Admin Alfa"))


@pytest.mark.req("6.5.37.8")
@audits_route("tenant:routing:team_console")
def test_the_admin_uploads_a_background_kept_in_tenant_storage(
    desk: DeskFactory, admin_client: Client
) -> None:
    # given a team and a PNG sent with a misleading name
    team = desk.team("Obras")
    content = _image("PNG")
    # when the admin uploads it on the team screen
    response = _upload(admin_client, team.pk, content, "fundo.jpg", "image/jpeg")
    # then it is the team's background, stored as a PNG under alfa's folder
    assert response.status_code == 302
    settings = TeamConsoleSettings.objects.select_related("background").get(team=team)
    media = settings.background
    assert media is not None
    assert (media.kind, media.mime_type, media.size) == ("image", "image/png", len(content))
    assert media.original_name == "fundo.jpg"
    assert str(media.file.name).startswith("alfa/media/")
    assert str(media.file.name).endswith(".png")
    with default_storage.open(str(media.file.name), "rb") as stored:
        assert stored.read() == content
    entry = AuditEntry.objects.filter(action="team.background.set").latest("id")
    after = entry.after or {}
    assert (after["background"], after["mime_type"]) == (media.pk, "image/png")
    # and the team screen shows it
    screen = admin_client.get(f"/roteamento/equipes/{team.pk}/").content.decode()
    assert "fundo.jpg" in screen


@pytest.mark.req("6.5.37.8")
@pytest.mark.parametrize(
    ("content", "name", "mime", "message"),
    [
        (b"isto nao e uma imagem", "fundo.png", "image/png", "O arquivo não é uma imagem válida"),
        (_image("GIF"), "fundo.gif", "image/gif", "Tipo de imagem não aceito"),
        (_image("BMP"), "fundo.bmp", "image/bmp", "Tipo de imagem não aceito"),
        (
            b"\x89PNG" + b"0" * BACKGROUND_MAX_BYTES,
            "grande.png",
            "image/png",
            "A imagem tem mais de 2 MB",
        ),
    ],
    ids=["not_an_image", "gif", "bmp", "too_large"],
)
def test_uploads_that_are_not_an_accepted_image_are_refused(
    desk: DeskFactory, admin_client: Client, content: bytes, name: str, mime: str, message: str
) -> None:
    team = desk.team("Obras")
    files_before = MediaFile.objects.count()
    response = _upload(admin_client, team.pk, content, name, mime)
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert message in page
    assert MediaFile.objects.count() == files_before
    settings = TeamConsoleSettings.objects.filter(team=team).first()
    assert settings is None or settings.background_id is None
    assert not AuditEntry.objects.filter(action="team.background.set").exists()


@pytest.mark.req("6.5.37.8")
def test_the_admin_removes_the_background(desk: DeskFactory, admin_client: Client) -> None:
    team = desk.team("Obras")
    _upload(admin_client, team.pk, _image("WEBP"), "fundo.webp", "image/webp")
    assert TeamConsoleSettings.objects.get(team=team).background is not None
    admin_client.post(
        f"/roteamento/equipes/{team.pk}/console/",
        {"history_visibility": "all", "remove_background": "on"},
    )
    assert TeamConsoleSettings.objects.get(team=team).background is None
    assert AuditEntry.objects.filter(action="team.background.remove").count() == 1


@pytest.mark.req("6.5.37.8")
def test_the_console_shows_the_background_to_the_teams_agents_only(
    desk: DeskFactory,
    admin_client: Client,
    alfa: Tenant,
    tenant_beta: Tenant,
    make_user: Any,
    client_for: Callable[..., Client],
) -> None:
    # given Obras has a background and Saúde has none
    works, health = desk.team("Obras"), desk.team("Saúde")
    content = _image("JPEG")
    _upload(admin_client, works.pk, content, "obras.jpg", "image/jpeg")
    member = desk.agent(works, name="Ana Souza")
    outsider = desk.agent(health, name="Bruno Lima")
    link = f'href="/roteamento/equipes/{works.pk}/fundo.css"'
    # when each opens the console
    member_client, outsider_client = client_for(alfa, member), client_for(alfa, outsider)
    member_page = member_client.get("/console/").content.decode()
    outsider_page = outsider_client.get("/console/").content.decode()
    # then only the member's page links the team's background
    assert link in member_page
    assert "data-team-background" not in outsider_page
    # and the stylesheet, for the member, puts the image behind the conversation area
    css = member_client.get(f"/roteamento/equipes/{works.pk}/fundo.css")
    assert css.status_code == 200
    assert css["Content-Type"] == "text/css; charset=utf-8"
    body = css.content.decode()
    assert body.startswith("#conversation-pane{")
    image_url = body.split('url("')[1].split('")')[0]
    image = member_client.get(image_url)
    assert image.status_code == 200
    assert b"".join(image.streaming_content) == content  # type: ignore[attr-defined]
    # while the outsider, and anyone on another tenant's host, gets nothing
    assert outsider_client.get(f"/roteamento/equipes/{works.pk}/fundo.css").status_code == 404
    beta_client = client_for(tenant_beta, make_user(tenant_beta, Role.SUPERVISOR))
    assert beta_client.get(f"/roteamento/equipes/{works.pk}/fundo.css").status_code == 404
    with schema_context(tenant_beta.schema_name):
        assert TeamConsoleSettings.objects.count() == 0


@pytest.mark.req("6.5.37.8")
def test_the_open_conversations_team_decides_for_an_agent_of_two_teams(
    desk: DeskFactory, admin_client: Client, alfa: Tenant, client_for: Callable[..., Client]
) -> None:
    works, health = desk.team("Obras"), desk.team("Saúde")
    _upload(admin_client, works.pk, _image("PNG"), "obras.png", "image/png")
    _upload(admin_client, health.pk, _image("PNG", (10, 10)), "saude.png", "image/png")
    agent = desk.agent(works, health, name="Ana Souza")
    conversation = desk.conversation(health)
    from routing.services.lifecycle import conversation_assign
    from tests.routing.conftest import actor_of

    conversation_assign(
        actor=actor_of(desk.user(Role.SUPERVISOR)), conversation=conversation, agent=agent
    )
    page = client_for(alfa, agent).get(f"/console/c/{conversation.pk}/").content.decode()
    assert f'data-team-background="{health.pk}"' in page
    assert f'data-team-background="{works.pk}"' not in page

"""The desk's REST API (6.5.63): agents, teams, contacts, ongoing conversations, sending.

Every endpoint checks a capability first (`serve` to read and answer conversations,
`view_users`/`manage_users` for agents, `manage_settings` for teams), and conversations go
through `desk.visibility`: one the caller may not see is a 404, as if it did not exist.
Personal data in responses is masked for callers without `view_sensitive_data` (6.5.23.10).
Writes go through the services, which audit them with the token's prefix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from pydantic import EmailStr

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_invite, user_update
from core.api import ErrorOut
from core.permissions import has_capability
from desk.contact_selectors import contacts_visible
from desk.conversation_selectors import conversation_get, conversation_list, message_list
from desk.models import Contact, ContactIdentity, Conversation, Message, Team
from desk.models.conversations import OPEN_STATUSES
from desk.services.directory import contact_create, contact_update, team_update
from desk.services.media import (
    MediaRejected,
    base_mime_type,
    media_check,
    media_file_store,
    media_public_url,
)
from desk.services.outbound import TemplateSpec, message_send
from desk.services.teams import team_create
from desk.visibility import visible_to
from routing.services.history import history_allows  # 6.5.37.4
from security.actors import Actor
from security.masking import MaskedSchema

router = Router()
DETAIL_MESSAGES = 50


def require_any(request: HttpRequest, *capabilities: str) -> None:
    if not any(has_capability(request.user, capability) for capability in capabilities):
        raise HttpError(403, _("Seu papel não permite esta operação."))


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


# --- agents (6.5.63.1, 6.5.63.5) ---------------------------------------------------------------


class AgentOut(Schema):
    id: int
    email: str
    full_name: str
    is_active: bool
    invitation_pending: bool = Field(
        description="O atendente ainda não criou a senha pelo link do convite."
    )
    date_joined: datetime

    @staticmethod
    def resolve_invitation_pending(user: User) -> bool:
        return not user.has_usable_password()


class AgentCreateIn(Schema):
    email: EmailStr
    full_name: str = Field(min_length=1, max_length=150)


class AgentCreateOut(Schema):
    agent: AgentOut
    invitation_sent: bool


class AgentUpdateIn(Schema):
    full_name: str | None = Field(None, min_length=1, max_length=150)
    is_active: bool | None = None


def _agents() -> QuerySet[User]:
    return User.objects.filter(groups__name=Role.AGENT.value).order_by("full_name", "id")


@router.get("/agents", response=list[AgentOut], tags=["atendentes"], summary="Listar atendentes")
@paginate(PageNumberPagination)
def list_agents(request: HttpRequest) -> QuerySet[User]:
    require_any(request, "view_users")
    return _agents()


@router.get(
    "/agents/{agent_id}",
    response={200: AgentOut, 404: ErrorOut},
    tags=["atendentes"],
    summary="Ler atendente",
)
def get_agent(request: HttpRequest, agent_id: int) -> User:
    require_any(request, "view_users")
    return get_object_or_404(_agents(), pk=agent_id)


@router.post(
    "/agents",
    response={201: AgentCreateOut, 400: ErrorOut},
    tags=["atendentes"],
    summary="Cadastrar atendente",
)
def create_agent(request: HttpRequest, payload: AgentCreateIn) -> Status[dict[str, object]]:
    """Creates a user with the role *atendente* and e-mails them the link with which they set
    their own password (6.5.23.3)."""
    require_any(request, "manage_users")
    link = user_invite(
        actor=_actor(request),
        email=payload.email,
        full_name=payload.full_name,
        role=Role.AGENT,
        host=request.get_host().split(":")[0],
    )
    return Status(201, {"agent": link.user, "invitation_sent": True})


@router.patch(
    "/agents/{agent_id}",
    response={200: AgentOut, 400: ErrorOut, 404: ErrorOut},
    tags=["atendentes"],
    summary="Atualizar atendente",
)
def update_agent(request: HttpRequest, agent_id: int, payload: AgentUpdateIn) -> User:
    require_any(request, "manage_users")
    agent = get_object_or_404(_agents(), pk=agent_id)
    return user_update(
        actor=_actor(request), user=agent, full_name=payload.full_name, is_active=payload.is_active
    )


# --- teams (6.5.63.2) --------------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    created_at: datetime


class TeamIn(Schema):
    name: str = Field(min_length=1, max_length=120)


class TeamUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)


@router.get("/teams", response=list[TeamOut], tags=["equipes"], summary="Listar equipes")
@paginate(PageNumberPagination)
def list_teams(request: HttpRequest) -> QuerySet[Team]:
    require_any(request, "serve", "view_users")
    return Team.objects.order_by("name", "id")


@router.get(
    "/teams/{team_id}",
    response={200: TeamOut, 404: ErrorOut},
    tags=["equipes"],
    summary="Ler equipe",
)
def get_team(request: HttpRequest, team_id: int) -> Team:
    require_any(request, "serve", "view_users")
    return get_object_or_404(Team, pk=team_id)


@router.post(
    "/teams", response={201: TeamOut, 400: ErrorOut}, tags=["equipes"], summary="Criar equipe"
)
def create_team(request: HttpRequest, payload: TeamIn) -> Status[Team]:
    require_any(request, "manage_settings")
    return Status(201, team_create(actor=_actor(request), name=payload.name))


@router.patch(
    "/teams/{team_id}",
    response={200: TeamOut, 400: ErrorOut, 404: ErrorOut},
    tags=["equipes"],
    summary="Atualizar equipe",
)
def update_team(request: HttpRequest, team_id: int, payload: TeamUpdateIn) -> Team:
    require_any(request, "manage_settings")
    team = get_object_or_404(Team, pk=team_id)
    return team_update(actor=_actor(request), team=team, name=payload.name)


# --- contacts (6.5.63.3) -----------------------------------------------------------------------


class IdentityOut(MaskedSchema):
    masked_fields = ("external_id",)

    channel_id: int
    channel_type: str
    external_id: str = Field(
        description="Identificador no canal (número do WhatsApp, chat do "
        "Telegram, visitante do WebChat)."
    )
    display_name: str
    last_inbound_at: datetime | None

    @staticmethod
    def resolve_channel_type(identity: ContactIdentity) -> str:
        return identity.channel.type


class ContactOut(MaskedSchema):
    masked_fields = ("phone", "email")

    id: int
    name: str
    phone: str = Field(description="E.164; mascarado para quem não pode ver dados pessoais.")
    email: str
    created_at: datetime
    updated_at: datetime
    identities: list[IdentityOut]

    @staticmethod
    def resolve_identities(contact: Contact) -> list[ContactIdentity]:
        return list(contact.identities.all())


class ContactIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    phone: str = Field("", description="Com DDD, por exemplo (11) 98765-4321 ou +5511987654321.")
    email: str = ""


class ContactUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    phone: str | None = None
    email: str | None = None


def _contacts(request: HttpRequest) -> QuerySet[Contact]:
    """The contacts the caller may see: a list imported for one team only stays with its
    members (6.5.37.9), as on the contacts screen."""
    return (
        contacts_visible(request.user)
        .prefetch_related("identities__channel")
        .order_by("name", "id")
    )


@router.get("/contacts", response=list[ContactOut], tags=["contatos"], summary="Listar contatos")
@paginate(PageNumberPagination)
def list_contacts(request: HttpRequest, q: str = "") -> QuerySet[Contact]:
    """`q` searches the name, the phone and the e-mail."""
    require_any(request, "serve")
    contacts = _contacts(request)
    if q.strip():
        term = q.strip()
        contacts = contacts.filter(
            Q(name__icontains=term) | Q(phone__icontains=term) | Q(email__icontains=term)
        )
    return contacts


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactOut, 404: ErrorOut},
    tags=["contatos"],
    summary="Ler contato",
)
def get_contact(request: HttpRequest, contact_id: int) -> Contact:
    require_any(request, "serve")
    return get_object_or_404(_contacts(request), pk=contact_id)


@router.post(
    "/contacts",
    response={201: ContactOut, 400: ErrorOut},
    tags=["contatos"],
    summary="Criar contato",
)
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[Contact]:
    require_any(request, "serve")
    contact = contact_create(
        actor=_actor(request), name=payload.name, phone=payload.phone, email=payload.email
    )
    return Status(201, _contacts(request).get(pk=contact.pk))


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, 400: ErrorOut, 404: ErrorOut},
    tags=["contatos"],
    summary="Atualizar contato",
)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactUpdateIn) -> Contact:
    require_any(request, "serve")
    contact = get_object_or_404(_contacts(request), pk=contact_id)
    contact_update(
        actor=_actor(request),
        contact=contact,
        name=payload.name,
        phone=payload.phone,
        email=payload.email,
    )
    return _contacts(request).get(pk=contact.pk)


# --- conversations (6.5.63.6) and sending (6.5.63.7) -------------------------------------------


class ChannelRef(Schema):
    id: int
    name: str
    type: str


class TeamRef(Schema):
    id: int
    name: str


class ContactRef(Schema):
    id: int
    name: str


class ConversationOut(Schema):
    id: int
    protocol: str = Field(description="Número de protocolo do atendimento (6.5.30).")
    status: str = Field(description="queued (na fila), open (em atendimento) ou closed.")
    channel: ChannelRef
    team: TeamRef | None
    contact: ContactRef
    opened_at: datetime
    closed_at: datetime | None
    last_message_at: datetime


class MediaOut(Schema):
    id: str
    kind: str
    mime_type: str
    size: int
    name: str
    url: str = Field(description="Link assinado e temporário para baixar o arquivo.")


class MessageOut(MaskedSchema):
    masked_fields = ("text",)

    id: int
    conversation_id: int
    direction: str = Field(description="in (do cidadão) ou out (enviada pelo órgão).")
    kind: str
    text: str
    status: str = Field(description="received, queued, sent, delivered, read ou failed.")
    origin: str
    sender_name: str
    sender_user_id: int | None
    template_name: str
    billing_kind: str
    media_status: str
    media: MediaOut | None
    error_code: str
    error_message: str
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    failed_at: datetime | None

    @staticmethod
    def resolve_media(message: Message) -> dict[str, Any] | None:
        media = message.media
        if media is None:
            return None
        return {
            "id": str(media.public_id),
            "kind": media.kind,
            "mime_type": media.mime_type,
            "size": media.size,
            "name": media.original_name,
            "url": media_public_url(media),
        }


class ConversationDetailOut(ConversationOut):
    messages: list[MessageOut] = Field(
        description=f"As {DETAIL_MESSAGES} mensagens mais recentes, da mais antiga para a mais "
        "nova; as anteriores em GET /conversations/{id}/messages."
    )
    messages_count: int


class TemplateIn(Schema):
    name: str = Field(min_length=1, max_length=512)
    language: str = "pt_BR"
    components: list[dict[str, Any]] = Field(
        default_factory=list, description="Componentes do modelo, no formato da Meta."
    )


class MessageIn(Schema):
    text: str | None = Field(
        None, description="Texto livre (só dentro da janela de 24 h no WhatsApp)."
    )
    template: TemplateIn | None = Field(None, description="Modelo aprovado (WhatsApp).")


def _visible_conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    conversation = conversation_get(
        visibility=visible_to(request.user), conversation_id=conversation_id
    )
    if conversation is None or not history_allows(
        request.user,  # type: ignore[arg-type]
        conversation,
    ):
        raise HttpError(404, _("Atendimento não encontrado."))
    return conversation


@router.get(
    "/conversations",
    response=list[ConversationOut],
    tags=["atendimentos"],
    summary="Listar atendimentos em andamento",
)
@paginate(PageNumberPagination)
def list_conversations(
    request: HttpRequest,
    status: str | None = None,
    team_id: int | None = None,
    channel_id: int | None = None,
) -> QuerySet[Conversation]:
    """Ongoing conversations (queued or open) the caller may see, latest activity first.
    `status` narrows to `queued` or `open`."""
    require_any(request, "serve")
    if status is not None and status not in OPEN_STATUSES:
        raise HttpError(400, _("Situação inválida: use queued ou open."))
    return conversation_list(
        visibility=visible_to(request.user),
        statuses=(status,) if status else OPEN_STATUSES,
        team_id=team_id,
        channel_id=channel_id,
    )


@router.get(
    "/conversations/{conversation_id}",
    response={200: ConversationDetailOut, 404: ErrorOut},
    tags=["atendimentos"],
    summary="Ler atendimento com as mensagens",
)
def get_conversation(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    require_any(request, "serve")
    conversation = _visible_conversation(request, conversation_id)
    messages = message_list(conversation=conversation)
    latest = list(messages.order_by("-created_at", "-id")[:DETAIL_MESSAGES])
    return {
        **{
            field: getattr(conversation, field)
            for field in (
                "id",
                "protocol",
                "status",
                "channel",
                "team",
                "contact",
                "opened_at",
                "closed_at",
                "last_message_at",
            )
        },
        "messages": list(reversed(latest)),
        "messages_count": messages.count(),
    }


@router.get(
    "/conversations/{conversation_id}/messages",
    response=list[MessageOut],
    tags=["atendimentos"],
    summary="Listar mensagens do atendimento",
)
@paginate(PageNumberPagination)
def list_messages(request: HttpRequest, conversation_id: int) -> QuerySet[Message]:
    """All messages of the conversation, oldest first, by pages."""
    require_any(request, "serve")
    return message_list(conversation=_visible_conversation(request, conversation_id))


@router.post(
    "/conversations/{conversation_id}/messages",
    response={201: MessageOut, 400: ErrorOut, 404: ErrorOut},
    tags=["atendimentos"],
    summary="Enviar mensagem (texto ou modelo)",
)
def send_message(request: HttpRequest, conversation_id: int, payload: MessageIn) -> Status[Message]:
    """Queues a message to the citizen. Outside WhatsApp's 24-hour window free text is refused
    (`code: session_window_closed`): send an approved `template` instead."""
    require_any(request, "serve")
    conversation = _visible_conversation(request, conversation_id)
    template = (
        TemplateSpec(
            name=payload.template.name,
            language=payload.template.language,
            components=tuple(payload.template.components),
        )
        if payload.template is not None
        else None
    )
    message = message_send(
        actor=_actor(request), conversation=conversation, text=payload.text, template=template
    )
    return Status(201, Message.objects.select_related("media").get(pk=message.pk))


_KIND_BY_TOP_TYPE = {"image": "image", "audio": "audio", "video": "video"}


@router.post(
    "/conversations/{conversation_id}/media",
    response={201: MessageOut, 400: ErrorOut, 404: ErrorOut, 413: ErrorOut},
    tags=["atendimentos"],
    summary="Enviar arquivo (imagem, áudio, vídeo, documento)",
)
def send_media(
    request: HttpRequest,
    conversation_id: int,
    file: File[UploadedFile],
    caption: Form[str] = "",
) -> Status[Any]:
    """Uploads a file (multipart/form-data, field `file`) and queues it to the citizen, with an
    optional `caption`. Size and type limits per kind are those of WhatsApp."""
    require_any(request, "serve")
    conversation = _visible_conversation(request, conversation_id)
    mime_type = base_mime_type(file.content_type) or "application/octet-stream"
    kind = _KIND_BY_TOP_TYPE.get(mime_type.split("/", 1)[0], "document")
    try:
        # Refused on the declared size before the file is read.
        media_check(kind, mime_type, file.size)
        with transaction.atomic():
            media = media_file_store(
                content=file.read(),
                mime_type=mime_type,
                kind=kind,
                original_name=file.name or "",
            )
            message = message_send(
                actor=_actor(request), conversation=conversation, text=caption, media=media
            )
    except MediaRejected as rejected:
        status = 413 if rejected.code == "media_too_large" else 400
        return Status(status, {"detail": rejected.message, "field": "file"})
    return Status(201, Message.objects.select_related("media").get(pk=message.pk))

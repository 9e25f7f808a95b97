"""The data captured in a conversation over the API (6.5.48.10, 6.5.63): list the current
values and record one. Same rules as the conversation itself (desk.api): capability `serve`,
and a conversation the caller may not see is a 404. Values are masked for callers without
`view_sensitive_data`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from core.api import ErrorOut
from desk.api import _actor, _visible_conversation, require_any
from desk.captured_selectors import captured_data_list
from desk.models import CapturedData, CaptureSource
from desk.models.captured_data import KEY_MAX_LENGTH, LABEL_MAX_LENGTH, VALUE_MAX_LENGTH
from desk.services.captured_data import conversation_data_capture
from security.masking import MaskedSchema

router = Router()


class CapturedDataOut(MaskedSchema):
    masked_fields = ("value",)

    key: str = Field(description="Identificador do campo (ex.: bairro, tipo_solicitacao).")
    label: str = Field(description="Nome do campo para exibição.")
    value: str = Field(description="Valor atual (mascarado para quem não vê dados pessoais).")
    source: str = Field(description="flow (fluxo), agent (atendente) ou api (integração).")
    captured_by_id: int | None = Field(description="Usuário que registrou; nulo para fluxos.")
    captured_at: datetime


class CapturedDataIn(Schema):
    key: str = Field(
        min_length=1,
        max_length=KEY_MAX_LENGTH,
        description="Letras minúsculas sem acento, números e _, começando por letra.",
    )
    value: str = Field(min_length=1, max_length=VALUE_MAX_LENGTH)
    label: str = Field("", max_length=LABEL_MAX_LENGTH)
    source: str = Field(
        CaptureSource.API.value,
        description="flow (fluxo de atendimento), agent ou api (padrão).",
    )


@router.get(
    "/conversations/{conversation_id}/dados",
    response={200: list[CapturedDataOut], 404: ErrorOut},
    tags=["atendimentos"],
    summary="Listar dados capturados no atendimento",
)
def list_captured_data(request: HttpRequest, conversation_id: int) -> QuerySet[CapturedData]:
    """The current value of each field captured in the conversation (by flows, agents or
    integrations), by key. A field recorded again shows its latest value."""
    require_any(request, "serve")
    return captured_data_list(conversation=_visible_conversation(request, conversation_id))


@router.post(
    "/conversations/{conversation_id}/dados",
    response={201: CapturedDataOut, 400: ErrorOut, 404: ErrorOut},
    tags=["atendimentos"],
    summary="Registrar dado capturado no atendimento",
)
def capture_data(
    request: HttpRequest, conversation_id: int, payload: CapturedDataIn
) -> Status[Any]:
    """Records `value` as the current value of `key` (the previous one stays in the history).
    Recording the value the field already holds changes nothing. Errors: `captured_key_invalid`,
    `captured_value_required`, `captured_source_invalid`."""
    require_any(request, "serve")
    conversation = _visible_conversation(request, conversation_id)
    row = conversation_data_capture(
        actor=_actor(request),
        conversation=conversation,
        key=payload.key,
        value=payload.value,
        label=payload.label,
        source=payload.source,
    )
    return Status(201, row)

"""Contacts of tenant "alfa" for the contacts screens and the import: two WebChat channels, a
team with one member, and helpers that build CSV and XLSX files in memory."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import Workbook

from channels.models import Channel, ChannelType
from channels.services import WebChatSettings, channel_create
from desk.models import Contact, ContactIdentity, Team
from privacy.services import contact_cpf_set
from security.actors import Actor
from tenants.models import Tenant

CPF = "529.982.247-25"
CPF_DIGITS = "52998224725"
PHONE = "+5511987654321"
EMAIL = "maria.silva@exemplo.com.br"


def csv_bytes(
    rows: Sequence[Sequence[str]], *, delimiter: str = ";", encoding: str = "utf-8"
) -> bytes:
    return "\r\n".join(delimiter.join(row) for row in rows).encode(encoding) + b"\r\n"


def xlsx_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_channel(tenant: Tenant, name: str) -> Channel:
    with schema_context(tenant.schema_name):
        return channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.WEBCHAT,
            name=name,
            webchat=WebChatSettings(allowed_origins=["https://www.alfa.gov.br"], greeting="Olá!"),
        )


@dataclass
class Directory:
    portal: Channel
    app: Channel
    maria: Contact
    joao: Contact
    team: Team


@pytest.fixture
def directory(tenant_alfa: Tenant) -> Directory:
    """Maria (CPF, phone, e-mail) on the portal chat, João (phone only) on the app chat."""
    portal = make_channel(tenant_alfa, "Chat do portal")
    app = make_channel(tenant_alfa, "Chat do aplicativo")
    now = timezone.now()
    with schema_context(tenant_alfa.schema_name):
        maria = Contact.objects.create(
            name="Maria da Silva", phone=PHONE, email=EMAIL, created_at=now - timedelta(days=3)
        )
        joao = Contact.objects.create(
            name="João Souza", phone="+5521912345678", created_at=now - timedelta(days=2)
        )
        ContactIdentity.objects.create(
            contact=maria, channel=portal, external_id="visitante-maria", created_at=now
        )
        ContactIdentity.objects.create(
            contact=joao, channel=app, external_id="visitante-joao", created_at=now
        )
        contact_cpf_set(actor=Actor.command("tests"), contact=maria, cpf=CPF)
        team = Team.objects.create(name="Saúde")
    return Directory(portal=portal, app=app, maria=maria, joao=joao, team=team)

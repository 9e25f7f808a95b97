"""Data subject requests: export everything about a contact, anonymize on request, counts and
billing untouched (LGPD; 6.5.23.12)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from desk.models import Contact, ContactIdentity, MediaFile, Message
from privacy.models import AnonymizationRecord, ConsentMethod, ConsentStatus, ContactPersonalData
from privacy.services import consent_set, contact_cpf_set, contact_find_by_cpf
from privacy.services.subject_requests import (
    ANONYMIZED_TEXT,
    contact_anonymize,
    contact_export,
    contact_export_pdf,
)
from security.actors import Actor
from security.models import AuditEntry
from tenants.models import Tenant
from tests.privacy.conftest import CPF, CPF_DIGITS, EMAIL, PHONE, Citizen

pytestmark = pytest.mark.django_db

DPO = Actor(user_id=9, label="encarregado@alfa.gov.br", via="web")


@pytest.mark.req("6.5.23.16")
def test_export_holds_contact_identities_conversations_messages_and_consent(
    tenant_alfa: Tenant, citizen: Citizen
) -> None:
    with schema_context(tenant_alfa.schema_name):
        contact_cpf_set(actor=DPO, contact=citizen.contact, cpf=CPF)
        consent_set(
            actor=DPO,
            contact=citizen.contact,
            channel=citizen.channel,
            status=ConsentStatus.OPT_OUT,
            method=ConsentMethod.IMPORT,
        )

        data = contact_export(actor=DPO, contact=citizen.contact)
        pdf = contact_export_pdf(actor=DPO, contact=citizen.contact)

        assert (data["contact"]["name"], data["contact"]["email"], data["contact"]["cpf"]) == (
            "Maria da Silva",
            EMAIL,
            CPF_DIGITS,
        )
        assert [i["external_id"] for i in data["identities"]] == ["visitante-123"]
        assert [c["protocol"] for c in data["conversations"]] == ["20261127-000901"]
        assert [m["text"] for m in data["conversations"][0]["messages"]] == [
            f"Meu CPF é {CPF}",
            "foto do buraco na rua",
        ]
        assert [(e["status"], e["method"]) for e in data["consent_history"]] == [
            (ConsentStatus.OPT_OUT, ConsentMethod.IMPORT)
        ]
        assert pdf.startswith(b"%PDF-")
        assert AuditEntry.objects.filter(action="privacy.contact.export").count() == 2


def test_anonymize_replaces_personal_data_deletes_media_and_keeps_counts(
    tenant_alfa: Tenant, citizen: Citizen, django_capture_on_commit_callbacks: Any
) -> None:
    with schema_context(tenant_alfa.schema_name):
        contact_cpf_set(actor=DPO, contact=citizen.contact, cpf=CPF)
        media_name = citizen.media.file.name or ""
        assert default_storage.exists(media_name)
        message_ids = list(
            Message.objects.filter(conversation=citizen.conversation).values_list("id", flat=True)
        )

        with django_capture_on_commit_callbacks(execute=True):
            record = contact_anonymize(actor=DPO, contact=citizen.contact)

        contact = Contact.objects.get(pk=citizen.contact.pk)
        assert (contact.name, contact.phone, contact.email) == ("Titular anonimizado", "", "")
        assert PHONE not in str(contact)
        identity = ContactIdentity.objects.get(pk=citizen.identity.pk)
        assert (identity.external_id, identity.display_name) == (
            f"anonimizado-{identity.pk}",
            "",
        )
        assert ContactPersonalData.objects.get(contact=contact).cpf == ""
        assert contact_find_by_cpf(CPF) is None
        messages = Message.objects.filter(pk__in=message_ids)
        assert messages.count() == 2  # rows kept: counts and reports stay the same
        assert set(messages.values_list("text", "sender_name", "media_id")) == {
            (ANONYMIZED_TEXT, "", None)
        }
        assert not MediaFile.objects.filter(pk=citizen.media.pk).exists()
        assert not default_storage.exists(media_name)
        assert (record.messages_cleared, record.media_deleted) == (2, 1)
        entry = AuditEntry.objects.get(action="privacy.contact.anonymize")
        assert entry.actor_label == "encarregado@alfa.gov.br"
        assert "Maria" not in entry.object_repr

        # A second request changes nothing more
        assert contact_anonymize(actor=DPO, contact=contact).pk == record.pk
        assert AnonymizationRecord.objects.count() == 1

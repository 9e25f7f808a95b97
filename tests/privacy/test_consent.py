"""Consent per contact and channel with history, keywords and admin changes (6.5.23.16,
6.5.40)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from desk.models import Message, Origin
from privacy.models import ConsentEvent, ConsentMethod, ConsentStatus
from privacy.services import (
    consent_allows_campaign,
    consent_keyword_handle,
    consent_set,
    keywords_update,
)
from security.actors import Actor
from security.models import AuditEntry
from tenants.models import Tenant
from tests.privacy.conftest import Citizen

pytestmark = pytest.mark.django_db

ADMIN = Actor(user_id=7, label="admin@alfa.gov.br", via="web")


@pytest.mark.req("6.5.40")
@pytest.mark.req("6.5.23.16")
def test_sair_opts_out_records_history_and_confirms_through_the_channel(
    tenant_alfa: Tenant, citizen: Citizen
) -> None:
    with schema_context(tenant_alfa.schema_name):
        # Given a citizen never asked: campaigns are allowed
        assert consent_allows_campaign(citizen.contact, citizen.channel) is True

        # When they send "sair!" (any case, accents, punctuation)
        handled = consent_keyword_handle(
            contact=citizen.contact, channel=citizen.channel, text="  Sair! "
        )

        # Then they are out, with one history row saying how, and a system reply
        assert handled is True
        assert consent_allows_campaign(citizen.contact, citizen.channel) is False
        event = ConsentEvent.objects.get(contact=citizen.contact)
        assert (event.status, event.method, event.keyword) == (
            ConsentStatus.OPT_OUT,
            ConsentMethod.KEYWORD,
            "SAIR",
        )
        reply = Message.objects.filter(conversation=citizen.conversation).order_by("-id").first()
        assert reply is not None
        assert reply.origin == Origin.SYSTEM
        assert "não receberá mais" in reply.text
        assert AuditEntry.objects.filter(
            action="privacy.consent.set", object_id=str(event.pk)
        ).exists()

        # And VOLTAR brings them back, the history keeping both changes in order
        assert consent_keyword_handle(
            contact=citizen.contact, channel=citizen.channel, text="voltar"
        )
        assert consent_allows_campaign(citizen.contact, citizen.channel) is True
        assert list(
            ConsentEvent.objects.filter(contact=citizen.contact).values_list("status", flat=True)
        ) == [ConsentStatus.OPT_OUT, ConsentStatus.OPT_IN]


@pytest.mark.req("6.5.40")
def test_ordinary_text_is_not_a_keyword(tenant_alfa: Tenant, citizen: Citizen) -> None:
    with schema_context(tenant_alfa.schema_name):
        for text in ["quero sair do programa", "", "PARAR AGORA", "bom dia"]:
            assert (
                consent_keyword_handle(contact=citizen.contact, channel=citizen.channel, text=text)
                is False
            )
        assert ConsentEvent.objects.filter(contact=citizen.contact).count() == 0


@pytest.mark.req("6.5.40")
def test_tenant_keywords_replace_the_defaults(tenant_alfa: Tenant, citizen: Citizen) -> None:
    with schema_context(tenant_alfa.schema_name):
        keywords_update(actor=ADMIN, opt_out_keywords=["descadastrar"], opt_in_keywords=["sim"])

        assert (
            consent_keyword_handle(contact=citizen.contact, channel=citizen.channel, text="SAIR")
            is False
        )
        assert consent_keyword_handle(
            contact=citizen.contact, channel=citizen.channel, text="Descadastrar"
        )
        assert consent_allows_campaign(citizen.contact, citizen.channel) is False
        assert AuditEntry.objects.filter(action="privacy.keywords.update").count() == 1


def test_a_word_cannot_both_leave_and_return(tenant_alfa: Tenant) -> None:
    with schema_context(tenant_alfa.schema_name), pytest.raises(ValueError, match="SAIR"):
        keywords_update(actor=ADMIN, opt_out_keywords=["sair"], opt_in_keywords=["Sair"])


@pytest.mark.req("6.5.23.16")
def test_admin_change_is_recorded_with_who_and_how(tenant_alfa: Tenant, citizen: Citizen) -> None:
    with schema_context(tenant_alfa.schema_name):
        consent_set(
            actor=ADMIN,
            contact=citizen.contact,
            channel=citizen.channel,
            status=ConsentStatus.OPT_OUT,
            method=ConsentMethod.ADMIN,
            note="pedido por telefone",
        )
        event = ConsentEvent.objects.get(contact=citizen.contact)
        assert (event.actor_user_id, event.actor_label, event.method, event.note) == (
            7,
            "admin@alfa.gov.br",
            ConsentMethod.ADMIN,
            "pedido por telefone",
        )
        entry = AuditEntry.objects.get(action="privacy.consent.set")
        assert entry.actor_label == "admin@alfa.gov.br"
        assert entry.after is not None
        assert entry.after["status"] == ConsentStatus.OPT_OUT

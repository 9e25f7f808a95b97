"""A citizen's keyword, arriving through the real webhook and inbound processing, opts them out
and gets a confirmation from the system (6.5.40)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from channels.models import Channel
from channels.providers.webchat.simulator import build_webchat_message
from desk.models import Contact, Message, Origin
from privacy.services import consent_allows_campaign
from privacy.services.subject_requests import ANONYMIZED_TEXT, contact_anonymize
from security.actors import Actor
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver, public_client, webchat_credentials  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.req("6.5.40")
def test_parar_sent_on_webchat_opts_out_and_is_confirmed(
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    public_client: Client,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = webchat_credentials(tenant_alfa, webchat_channel)
    path = f"/webhooks/webchat/{webchat_channel.account_id}"
    # Given a citizen already talking
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client, path, build_webchat_message(credentials, visitor_id="v_jo", text="Oi")
        )

    # When they send PARAR
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client, path, build_webchat_message(credentials, visitor_id="v_jo", text="PARAR")
        )

    # Then campaigns are refused on this channel and the system confirmed it
    with schema_context(tenant_alfa.schema_name):
        contact = Contact.objects.get(identities__external_id="v_jo")
        assert consent_allows_campaign(contact, webchat_channel) is False
        system_texts = list(
            Message.objects.filter(conversation__contact=contact, origin=Origin.SYSTEM).values_list(
                "text", flat=True
            )
        )
        assert any("não receberá mais" in text for text in system_texts)


def test_anonymizing_a_citizen_leaves_the_usage_ledger_untouched(
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    public_client: Client,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = webchat_credentials(tenant_alfa, webchat_channel)
    path = f"/webhooks/webchat/{webchat_channel.account_id}"
    # Given two metered messages of a citizen
    for text in ["Oi", "meu e-mail é ana@exemplo.com.br"]:
        with django_capture_on_commit_callbacks(execute=True):
            deliver(
                public_client,
                path,
                build_webchat_message(credentials, visitor_id="v_ana", text=text),
            )
    ledger = list(UsageRecord.objects.filter(tenant=tenant_alfa).order_by("id").values())
    assert len(ledger) >= 2

    # When the citizen is anonymized
    with schema_context(tenant_alfa.schema_name):
        contact = Contact.objects.get(identities__external_id="v_ana")
        with django_capture_on_commit_callbacks(execute=True):
            contact_anonymize(actor=Actor.command("tests"), contact=contact)
        kept = Message.objects.filter(conversation__contact=contact)
        assert kept.count() == 3  # both messages and the protocol notice stay, emptied
        assert not kept.exclude(text=ANONYMIZED_TEXT).exists()

    # Then every ledger row is exactly as it was
    assert list(UsageRecord.objects.filter(tenant=tenant_alfa).order_by("id").values()) == ledger

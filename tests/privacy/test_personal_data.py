"""The contact's CPF: validated, encrypted at rest, found through its keyed hash (6.5.23.12)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from desk.models import Contact
from privacy.models import ContactPersonalData
from privacy.services import contact_cpf_get, contact_cpf_set, contact_find_by_cpf
from security.actors import Actor
from security.models import AuditEntry
from tenants.models import Tenant
from tests.privacy.conftest import CPF, CPF_DIGITS, Citizen
from tests.security.test_crypto import in_own_connection, pg_dump

ADMIN = Actor(user_id=7, label="admin@alfa.gov.br", via="web")


@pytest.mark.django_db
@pytest.mark.req("6.5.23.12")
def test_cpf_is_stored_encrypted_and_found_by_either_spelling(
    tenant_alfa: Tenant, citizen: Citizen
) -> None:
    with schema_context(tenant_alfa.schema_name):
        contact_cpf_set(actor=ADMIN, contact=citizen.contact, cpf=CPF)

        with connection.cursor() as cursor:
            cursor.execute("SELECT cpf, cpf_index FROM privacy_contactpersonaldata")
            raw_cpf, raw_index = cursor.fetchone()
        assert raw_cpf.startswith("gAAAAA")
        assert CPF_DIGITS not in raw_cpf and CPF_DIGITS not in raw_index
        assert contact_cpf_get(citizen.contact) == CPF_DIGITS
        assert contact_find_by_cpf(CPF) == citizen.contact
        assert contact_find_by_cpf(CPF_DIGITS) == citizen.contact
        assert contact_find_by_cpf("111.444.777-35") is None
        entry = AuditEntry.objects.get(action="privacy.cpf.set")
        assert CPF_DIGITS not in str(entry.after) and "Maria" not in entry.object_repr


@pytest.mark.django_db
@pytest.mark.req("6.5.23.12")
def test_an_invalid_cpf_is_refused(tenant_alfa: Tenant, citizen: Citizen) -> None:
    with schema_context(tenant_alfa.schema_name):
        for bad in ["529.982.247-24", "1234", "111.111.111-11"]:
            with pytest.raises(ValidationError):
                contact_cpf_set(actor=ADMIN, contact=citizen.contact, cpf=bad)
        assert ContactPersonalData.objects.filter(contact=citizen.contact).count() == 0


@pytest.mark.django_db
@pytest.mark.req("6.5.23.12")
def test_a_raw_dump_of_the_tenant_schema_has_no_plaintext_contact_cpf(
    tenant_alfa: Tenant,
) -> None:
    def save() -> int:
        with schema_context(tenant_alfa.schema_name):
            contact = Contact.objects.create(name="Dump", created_at=timezone.now())
            ContactPersonalData.objects.create(contact=contact, cpf=CPF_DIGITS)
            return contact.pk

    def remove(pk: int) -> None:
        with schema_context(tenant_alfa.schema_name):
            Contact.objects.filter(pk=pk).delete()

    pk = in_own_connection(save)
    try:
        dump = pg_dump(tenant_alfa.schema_name)
    finally:
        in_own_connection(lambda: remove(pk))

    assert b"privacy_contactpersonaldata" in dump
    assert b"gAAAAA" in dump
    assert CPF.encode() not in dump
    assert CPF_DIGITS.encode() not in dump

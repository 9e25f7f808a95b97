from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from accounts.models import Invitation, User
from accounts.roles import Role
from security.actors import Actor
from security.models import AuditEntry
from tenants.errors import ProvisioningError, TemplateSchemaStale
from tenants.models import Domain, Tenant
from tenants.schemas import missing_tables, template_check, template_schema_name
from tenants.services import tenant_provision

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Prefeitura Municipal de Gama",
    "cnpj": "34.028.316/0001-03",
    "slug": "gama",
    "contract_start": date(2026, 12, 1),
    "contract_end": date(2028, 11, 30),
    "admin_name": "Glória Gama",
    "admin_email": "gloria@gama.gov.br",
}


def provision(**overrides: Any) -> Any:
    return tenant_provision(actor=Actor.command("tests"), **{**VALID, **overrides})


def nothing_left(slug: str = "gama") -> None:
    assert not Tenant.objects.filter(slug=slug).exists()
    assert not Domain.objects.filter(domain__startswith=f"{slug}.").exists()
    assert not schema_exists(slug)


@pytest.mark.req("6.5.23.3")
def test_provision_creates_schema_domain_and_invited_admin(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        result = provision()

    tenant = Tenant.objects.get(slug="gama")
    assert tenant.schema_name == "gama"
    assert tenant.cnpj == "34028316000103"
    assert schema_exists("gama")
    assert result.domain.domain == "gama.localhost"
    assert missing_tables("gama") == []
    with schema_context("gama"):
        admin = User.objects.get(email="gloria@gama.gov.br")
        assert admin.role == Role.ADMIN
        assert not admin.has_usable_password()  # they set their own (6.5.23.3)
        assert Invitation.objects.filter(user=admin, accepted_at__isnull=True).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["gloria@gama.gov.br"]
    assert result.invitation.url in mail.outbox[0].body
    assert result.invitation.url.startswith("http://gama.localhost:8000/convite/")
    assert (
        AuditEntry.objects.filter(action="tenant.provision", object_id=str(tenant.pk)).count() == 1
    )


def test_failure_midway_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(**kwargs: Any) -> None:
        raise RuntimeError("SMTP down while creating the admin")

    monkeypatch.setattr("tenants.services.user_invite", explode)

    with pytest.raises(RuntimeError):
        provision()

    nothing_left()
    assert (
        not AuditEntry.objects.filter(action="tenant.provision")
        .exclude(object_repr__startswith="Prefeitura Municipal de A")
        .exclude(object_repr__startswith="Prefeitura Municipal de B")
        .exists()
    )


def test_invalid_admin_email_rolls_back_everything() -> None:
    with pytest.raises(ProvisioningError) as error:
        provision(admin_email="not-an-email")
    assert error.value.field == "admin_email"
    nothing_left()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"cnpj": "34.028.316/0001-04"}, "cnpj", "CNPJ inválido"),
        ({"cnpj": "1234"}, "cnpj", "14 dígitos"),
        ({"cnpj": "11.222.333/0001-81"}, "cnpj", "Já existe um cliente com este CNPJ"),
        ({"slug": "alfa"}, "slug", "Já existe um cliente com este identificador"),
        ({"slug": "Gama Nova"}, "slug", "Identificador inválido"),
        ({"slug": "template"}, "slug", "reservado"),
        ({"slug": "public"}, "slug", "reservado"),
        ({"name": "  "}, "name", "razão social"),
        ({"contract_end": date(2026, 11, 30)}, "contract_end", "posterior"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(
    overrides: dict[str, Any], field: str, message: str
) -> None:
    tenants_before = Tenant.objects.count()
    with pytest.raises(ProvisioningError) as error:
        provision(**overrides)
    assert error.value.field == field
    assert message in error.value.message
    assert Tenant.objects.count() == tenants_before
    assert not schema_exists("gama")


def test_stale_template_is_detected_and_refused() -> None:
    # Given a template missing the newest migration of an app (as if it had just been added)
    from django.db.migrations.loader import MigrationLoader

    app, name = max(
        node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "accounts"
    )
    with schema_context(template_schema_name()), connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s AND name = %s", [app, name])

    # Then the check names it and provisioning refuses rather than clone a broken tenant
    with pytest.raises(TemplateSchemaStale, match=f"{app}.{name}"):
        template_check()
    with pytest.raises(TemplateSchemaStale):
        provision()
    nothing_left()


def test_every_declared_tenant_table_exists_in_a_fresh_clone(tenant_alfa: Tenant) -> None:
    assert missing_tables(tenant_alfa.schema_name) == []
    assert missing_tables(template_schema_name()) == []


def test_missing_table_in_a_clone_is_reported() -> None:
    with schema_context("alfa"), connection.cursor() as cursor:
        cursor.execute("DROP TABLE accounts_apitoken")
    assert missing_tables("alfa") == ["accounts_apitoken"]


def test_provision_command(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "provision_tenant",
            "--name",
            VALID["name"],
            "--cnpj",
            VALID["cnpj"],
            "--slug",
            "gama",
            "--contract-start",
            "2026-12-01",
            "--contract-end",
            "2028-11-30",
            "--admin-name",
            "Glória",
            "--admin-email",
            "gloria@gama.gov.br",
            stdout=None,
        )
    assert Tenant.objects.filter(slug="gama").exists()
    assert len(mail.outbox) == 1


def test_provision_command_reports_bad_cnpj() -> None:
    with pytest.raises(CommandError, match="CNPJ inválido"):
        call_command(
            "provision_tenant",
            "--name",
            "X",
            "--cnpj",
            "11.111.111/1111-11",
            "--slug",
            "gama",
            "--contract-start",
            "2026-12-01",
            "--contract-end",
            "2028-11-30",
            "--admin-name",
            "G",
            "--admin-email",
            "g@gama.gov.br",
        )
    nothing_left()

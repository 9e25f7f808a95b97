"""Shared test fixtures: a real PostgreSQL with the public schema, the template schema and two
tenants ("alfa" and "beta"), created once per test database. Every tenant-scoped test can ask
for `tenant_beta` to assert nothing leaks to another tenant (STYLE.md, Tenancy)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from security.actors import Actor
from tenants.models import Tenant
from tenants.services import public_tenant_ensure, tenant_provision

PASSWORD = "Senha-de-Teste-2026"
TENANTS = {
    "alfa": ("Prefeitura Municipal de Alfa", "11222333000181"),
    "beta": ("Prefeitura Municipal de Beta", "11444777000161"),
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    # The test database is made anew for each run; the Redis database of this worker must be
    # too, or state an earlier run left (simulator transcripts, caches keyed by ids that the
    # new database hands out again) leaks into this one.
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    with django_db_blocker.unblock():
        call_command("migrate_all", verbosity=0)
        public_tenant_ensure()
        for slug, (name, cnpj) in TENANTS.items():
            if not Tenant.objects.filter(slug=slug).exists():
                tenant_provision(
                    actor=Actor.command("tests"),
                    name=name,
                    cnpj=cnpj,
                    slug=slug,
                    contract_start=date(2026, 1, 1),
                    contract_end=date(2027, 12, 31),
                    admin_name=f"Admin {slug}",
                    admin_email=f"admin@{slug}.gov.br",
                )


@pytest.fixture(autouse=True)
def _public_schema_after_test() -> Iterator[None]:
    yield
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants


@pytest.fixture
def tenant_alfa(db: None) -> Tenant:
    return Tenant.objects.get(slug="alfa")


@pytest.fixture
def tenant_beta(db: None) -> Tenant:
    return Tenant.objects.get(slug="beta")


def host_of(tenant: Tenant) -> str:
    return tenant.domains.get(is_primary=True).domain


MakeUser = Callable[..., User]


@pytest.fixture
def make_user(db: None) -> MakeUser:
    """Creates a user with a password and a role inside the tenant's schema."""

    def make(tenant: Tenant, role: str = Role.AGENT, email: str | None = None) -> User:
        from accounts.services import _set_role

        with schema_context(tenant.schema_name):
            user = User.objects.create_user(
                email=email or f"{role}-{User.objects.count()}@{tenant.slug}.gov.br",
                password=PASSWORD,
                full_name=f"{Role(role).label} de {tenant.slug}",
            )
            _set_role(user, Role(role))
        return user

    return make


@pytest.fixture
def client_for() -> Callable[..., Client]:
    """A browser client on the tenant's host, signed in as `user` when given."""

    def make(tenant: Tenant, user: User | None = None) -> Client:
        client = Client(HTTP_HOST=host_of(tenant))
        if user is not None:
            with schema_context(tenant.schema_name):
                client.force_login(user)
        return client

    return make


@pytest.fixture
def token_for() -> Callable[[Tenant, User], str]:
    def make(tenant: Tenant, user: User) -> str:
        with schema_context(tenant.schema_name):
            return api_token_create(actor=Actor.command("tests"), user=user, name="teste").token

    return make


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_superuser("operador@provedor.test", PASSWORD, full_name="Operador")


@pytest.fixture
def operator_client(operator: User) -> Client:
    from django.conf import settings

    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(operator)
    return client

"""Contract end (REQ 6.2.15): at least 30 days read-only — sign in, read, download; every write
path of the tenant's URL conf and API is refused — then archived by an operator."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from controlplane.errors import LifecycleError
from controlplane.middleware import SIGN_IN_OUT_URL_NAMES
from controlplane.models import Backup, BackupStatus, ContractClosure
from controlplane.services.lifecycle import tenant_archive, tenant_contract_end
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.guards import TenantReadOnly, ensure_writable, inbound_refusal, tenant_is_writable
from tenants.models import Tenant, TenantStatus

pytestmark = pytest.mark.django_db
ACTOR = Actor.command("tests")
WRITE_METHODS = ("post", "put", "patch", "delete")
NOTICE = "Este canal foi encerrado. Ligue 156."

_SAMPLES = {"int": "1", "slug": "x", "str": "x", "path": "x/y", "uuid": str(uuid.UUID(int=0))}
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


_NAMED_GROUP = re.compile(r"\(\?P<\w+>[^)]*\)")
_ALTERNATIVES = re.compile(r"\(\?:([^|)]*)[^)]*\)")


def _from_regex(route: str) -> str:
    """A path that a URL conf regular expression matches (the forms our URL confs use)."""
    route = _NAMED_GROUP.sub("x", route.replace("^", "").replace("$", ""))
    route = _ALTERNATIVES.sub(lambda match: match[1], route)
    return route.replace("/?", "/").replace("\\", "")


def _concrete(route: str) -> str:
    route = _from_regex(route) if "(?" in route or "^" in route else route
    return _PARAMETER.sub(lambda match: _SAMPLES.get(match["converter"] or "str", "x"), route)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """Every (path, qualified name) of a URL conf, with sample values for its parameters."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = (
                f"{namespace}:{entry.namespace}"
                if namespace and entry.namespace
                else (entry.namespace or namespace)
            )
            yield from _walk(
                entry.url_patterns, prefix + _concrete(str(entry.pattern)), inner or ""
            )
        elif isinstance(entry, URLPattern):
            route = str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield "/" + _concrete(prefix + route), name


def tenant_write_paths() -> list[tuple[str, str]]:
    """Every path of the tenant URL conf, each checked to resolve to the pattern it came from."""
    seen: dict[str, str] = {}
    for path, name in _walk(get_resolver(settings.ROOT_URLCONF).url_patterns):
        seen.setdefault(path, name)
    for path, name in seen.items():
        assert resolve(path, urlconf=settings.ROOT_URLCONF).view_name == name, path
    return sorted(seen.items())


@pytest.fixture
def read_only_alfa(tenant_alfa: Tenant) -> Tenant:
    tenant_contract_end(
        actor=ACTOR, tenant=tenant_alfa, reason="Fim da vigência", inbound_notice=NOTICE
    )
    tenant_alfa.refresh_from_db()
    return tenant_alfa


@pytest.mark.req("6.2.15")
def test_every_write_path_is_refused_in_read_only_mode(
    read_only_alfa: Tenant,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
    token_for: Callable[..., str],
) -> None:
    admin = make_user(read_only_alfa, Role.ADMIN)
    token = token_for(read_only_alfa, admin)
    client = client_for(read_only_alfa, admin)
    with schema_context(read_only_alfa.schema_name):
        audit_before = AuditEntry.objects.count()
        users_before = User.objects.count()
    exempt = set(SIGN_IN_OUT_URL_NAMES)
    paths = tenant_write_paths()
    assert len(paths) >= 10  # the enumeration really walked the URL conf and the API

    checked = 0
    for path, name in paths:
        if name in exempt:
            continue
        for method in WRITE_METHODS:
            response = getattr(client, method)(path, data={}, HTTP_AUTHORIZATION=f"Bearer {token}")
            assert response.status_code == 423, (method, path, response.status_code)
            text = response.content.decode()
            assert "somente leitura" in text, (method, path)
            if path.startswith("/api/"):
                assert response.json()["detail"].startswith("O contrato deste órgão foi encerrado")
            checked += 1

    assert checked == 4 * (len(paths) - len([p for p in paths if p[1] in exempt]))
    with schema_context(read_only_alfa.schema_name):
        assert AuditEntry.objects.count() == audit_before
        assert User.objects.count() == users_before


@pytest.mark.req("6.2.15")
def test_people_still_sign_in_read_and_sign_out(
    read_only_alfa: Tenant,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    auditor = make_user(read_only_alfa, Role.AUDITOR, email="auditora@alfa.gov.br")
    client = client_for(read_only_alfa)

    signed_in = client.post(
        "/conta/entrar/", {"username": "auditora@alfa.gov.br", "password": "Senha-de-Teste-2026"}
    )
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    assert client.get("/").status_code == 200
    assert client.get("/relatorios/disponibilidade/").status_code == 200
    assert client.get("/api/users").status_code in (200, 403)
    assert client.post("/conta/sair/").status_code == 302
    assert auditor.pk is not None


@pytest.mark.req("6.2.15")
def test_api_sign_in_still_works(
    read_only_alfa: Tenant, make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    make_user(read_only_alfa, Role.AUDITOR, email="api@alfa.gov.br")

    response = client_for(read_only_alfa).post(
        "/api/auth/token",
        data={"email": "api@alfa.gov.br", "password": "Senha-de-Teste-2026", "name": "leitura"},
        content_type="application/json",
    )

    assert response.status_code != 423


@pytest.mark.req("6.2.15")
def test_service_guard_and_inbound_hook(read_only_alfa: Tenant, tenant_beta: Tenant) -> None:
    with schema_context(read_only_alfa.schema_name), pytest.raises(TenantReadOnly) as refused:
        ensure_writable()
    with schema_context(tenant_beta.schema_name):
        ensure_writable()

    assert "somente leitura" in refused.value.message
    assert tenant_is_writable(tenant_beta) is True
    assert inbound_refusal(read_only_alfa) == NOTICE
    assert inbound_refusal(tenant_beta) is None


def test_every_sign_in_and_out_exemption_names_a_real_url() -> None:
    names = {name for _path, name in tenant_write_paths()}

    assert names >= SIGN_IN_OUT_URL_NAMES


def test_other_tenants_keep_writing(
    read_only_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    admin = make_user(tenant_beta, Role.ADMIN)

    response = client_for(tenant_beta, admin).post("/conta/usuarios/convidar/", {})

    assert response.status_code == 200  # the form with its errors, not a refusal


@pytest.mark.req("6.2.15")
def test_read_only_lasts_at_least_30_days(tenant_alfa: Tenant) -> None:
    with pytest.raises(LifecycleError, match="pelo menos 30 dias"):
        tenant_contract_end(actor=ACTOR, tenant=tenant_alfa, reason="Fim", read_only_days=29)
    tenant_alfa.refresh_from_db()
    assert tenant_alfa.status == TenantStatus.ACTIVE

    closure = tenant_contract_end(actor=ACTOR, tenant=tenant_alfa, reason="Fim")
    assert closure.read_only_until - closure.read_only_since == timedelta(days=30)
    assert AuditEntry.objects.filter(action="tenant.contract_end").count() == 1


@pytest.mark.req("6.2.15")
def test_archive_waits_for_the_period_and_a_backup(
    read_only_alfa: Tenant,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    closure = ContractClosure.objects.get(tenant=read_only_alfa)
    with pytest.raises(LifecycleError, match="só é possível depois"):
        tenant_archive(actor=ACTOR, tenant=read_only_alfa)
    later = closure.read_only_until + timedelta(minutes=1)
    with pytest.raises(LifecycleError, match="backup"):
        tenant_archive(actor=ACTOR, tenant=read_only_alfa, now=later)
    Backup.objects.create(
        schema_name="alfa",
        tenant=read_only_alfa,
        started_at=timezone.now(),
        status=BackupStatus.SUCCEEDED,
    )

    tenant_archive(actor=ACTOR, tenant=read_only_alfa, now=later)

    read_only_alfa.refresh_from_db()
    assert read_only_alfa.status == TenantStatus.ARCHIVED
    response = client_for(read_only_alfa).get("/conta/entrar/")
    assert response.status_code == 410
    assert "arquivado" in response.content.decode()


@audits_route("public:controlplane:tenant_contract_end")
def test_operator_ends_the_contract_from_the_tenant_page(
    operator_client: Client, tenant_alfa: Tenant
) -> None:
    response = operator_client.post(
        "/controle/clientes/alfa/encerrar-contrato/",
        {"reason": "Fim da vigência", "read_only_days": 45, "inbound_notice": NOTICE},
    )

    assert response.status_code == 302
    tenant_alfa.refresh_from_db()
    assert tenant_alfa.status == TenantStatus.READ_ONLY
    page = operator_client.get("/controle/clientes/alfa/").content.decode()
    assert NOTICE in page
    assert 'data-status="read_only"' in page

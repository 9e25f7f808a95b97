"""Fixtures of the security tests: the policy of a tenant, a local siteverify server, and a
browser client that signs in through the real login form."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from security.actors import Actor
from security.models import SecurityPolicy
from security.services.policy import policy_update
from tenants.models import Tenant
from tests.conftest import host_of
from tests.security.siteverify import SiteverifyState, make_server

RECAPTCHA_SECRET = "segredo-do-recaptcha-de-teste"
RECAPTCHA_SITE_KEY = "6Lc-chave-do-site-de-teste"

SetPolicy = Callable[..., SecurityPolicy]


@pytest.fixture
def set_policy(db: None) -> SetPolicy:
    """Saves policy changes in the tenant's schema through the audited service."""

    def apply(tenant: Tenant, **changes: Any) -> SecurityPolicy:
        with schema_context(tenant.schema_name):
            return policy_update(actor=Actor.command("tests"), changes=changes)

    return apply


@pytest.fixture
def siteverify(settings: Any) -> Iterator[SiteverifyState]:
    state = SiteverifyState(secret=RECAPTCHA_SECRET)
    server = make_server(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    settings.RECAPTCHA_VERIFY_URL = f"http://127.0.0.1:{port}/recaptcha/api/siteverify"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def browser(tenant: Tenant, ip: str = "198.51.100.10", agent: str = "") -> Client:
    """A client that reaches the tenant from `ip` (a documentation range) with a real browser's
    User-Agent."""
    return Client(
        HTTP_HOST=host_of(tenant),
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=agent
        or (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36"
        ),
    )


def login_post(client: Client, email: str, password: str, **extra: str) -> Any:
    return client.post("/conta/entrar/", {"username": email, "password": password, **extra})

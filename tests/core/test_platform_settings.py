from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from tenants.models import Tenant
from tests.conftest import MakeUser

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.req("6.2.19")
def test_server_clock_in_brasilia_time() -> None:
    assert settings.TIME_ZONE == "America/Sao_Paulo"
    assert settings.USE_TZ is True
    assert str(timezone.get_current_timezone()) == "America/Sao_Paulo"


@pytest.mark.req("6.5.3")
@pytest.mark.django_db
def test_interface_is_brazilian_portuguese_by_default(tenant_alfa: Tenant) -> None:
    response = Client(HTTP_HOST="alfa.localhost").get("/conta/entrar/")
    body = response.content.decode()
    assert '<html lang="pt-br">' in body
    assert "Entrar" in body
    assert "Horário do servidor (Brasília)" in body


@pytest.mark.req("6.5.4")
@pytest.mark.django_db
def test_user_switches_language(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Callable[..., Client]
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = client_for(tenant_alfa, admin)

    client.post("/conta/idioma/", {"language": "en", "next": "/conta/usuarios/"})
    english = client.get("/conta/usuarios/").content.decode()
    client.post("/conta/idioma/", {"language": "es", "next": "/conta/usuarios/"})
    spanish = client.get("/conta/usuarios/").content.decode()

    assert '<html lang="en">' in english
    assert "Users" in english and "Invite user" in english
    assert '<html lang="es">' in spanish
    assert "Usuarios" in spanish


@pytest.mark.django_db
def test_json_logs_carry_tenant_and_request_id(
    tenant_alfa: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    from core.logging import RequestContextFilter

    logger = logging.getLogger("tests.request")
    seen: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    handler = Capture()
    handler.addFilter(RequestContextFilter())
    logging.getLogger("django.request").addHandler(handler)
    try:
        response = Client(HTTP_HOST="alfa.localhost").get(
            "/nao-existe/", HTTP_X_REQUEST_ID="req-12345678"
        )
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert response["X-Request-ID"] == "req-12345678"
    assert seen, "a 404 is logged by django.request"
    assert seen[0].tenant == "alfa"  # type: ignore[attr-defined]
    assert seen[0].request_id == "req-12345678"  # type: ignore[attr-defined]
    assert logger is not None


@pytest.mark.req("6.5.42")
def test_production_settings_enforce_https_and_headers() -> None:
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TESTING": "0",
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ['SECURE_SSL_REDIRECT', "
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS', 'DEBUG']}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "DEBUG": False,
    }


@pytest.mark.req("6.5.42")
@pytest.mark.django_db
def test_every_response_carries_security_headers(tenant_alfa: Tenant) -> None:
    response = Client(HTTP_HOST="alfa.localhost").get("/conta/entrar/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_production_refuses_to_start_without_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        {"DJANGO_ENV": "production", "DJANGO_SETTINGS_MODULE": "config.settings", "TESTING": "0"}
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.req("6.5.3")
@pytest.mark.django_db
def test_browser_language_does_not_override_portuguese(tenant_alfa: Tenant) -> None:
    response = Client(HTTP_HOST="alfa.localhost").get(
        "/conta/entrar/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"
    )
    assert '<html lang="pt-br">' in response.content.decode()
    assert response["Content-Language"] == "pt-br"

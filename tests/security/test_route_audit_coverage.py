"""Every state-changing route (HTML views and API operations, public and tenant URL confs) is
proved to leave an audit record by a test, or is listed as exempt with a reason (6.2.18,
6.5.23.15). A route added later without either fails here: see security/route_audit.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from security.route_audit import (
    STATE_CHANGING_METHODS,
    Route,
    all_routes,
    allowed_methods,
    covered_routes,
    exempt_routes,
    not_yet_covered,
    state_changing_routes,
)

TESTS_ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.req("6.2.18"), pytest.mark.req("6.5.23.15")]


def test_every_state_changing_route_is_audited_or_exempt() -> None:
    covered = covered_routes(TESTS_ROOT)
    exempt = exempt_routes()
    pending = not_yet_covered()

    escaped = [
        f"{route.id} ({', '.join(sorted(route.methods)) if route.methods else 'qualquer método'})"
        for route in state_changing_routes()
        if route.id not in covered and route.id not in exempt and route.id not in pending
    ]

    assert escaped == [], (
        "Rotas que mudam estado sem prova de auditoria. Escreva um teste decorado com "
        "@audits_route('<id>') que use a rota, ou isente-a com motivo em <app>/audit_routes.py:\n"
        + "\n".join(escaped)
    )


def test_registries_name_only_existing_routes() -> None:
    known = {route.id for route in all_routes()}
    covered = covered_routes(TESTS_ROOT)

    stale = sorted((set(covered) | set(exempt_routes()) | set(not_yet_covered())) - known)

    assert stale == []


def test_the_pending_list_only_shrinks() -> None:
    """A pending route that gets a test or an exemption must leave NOT_YET_COVERED, so the
    list cannot silently hold routes that are fine, nor grow back."""
    covered = covered_routes(TESTS_ROOT)
    exempt = exempt_routes()

    resolved = sorted(route for route in not_yet_covered() if route in covered or route in exempt)

    assert resolved == []


def test_exemptions_give_a_reason() -> None:
    assert [route for route, reason in exempt_routes().items() if len(reason.strip()) < 10] == []


def test_the_enumeration_sees_views_and_api_operations_of_both_url_confs() -> None:
    routes = {route.id: route for route in all_routes()}

    assert routes["tenant:accounts:user_invite"].methods == frozenset({"GET", "POST"})
    assert routes["tenant:POST /api/users"].methods == frozenset({"POST"})
    assert routes["tenant:PATCH /api/users/<user_id>"].state_changing
    assert not routes["tenant:GET /api/users"].state_changing
    assert routes["public:POST /api/tenants"].state_changing
    assert not routes["tenant:security:audit_log"].state_changing
    assert routes["tenant:home"].methods is None  # no method restriction: treated as writable


def test_method_detection() -> None:
    from django.views.decorators.http import require_POST, require_safe
    from django.views.generic import TemplateView

    @require_safe
    def read_only(request: object) -> None:
        return None

    @require_POST
    def write(request: object) -> None:
        return None

    def anything(request: object) -> None:
        return None

    assert allowed_methods(read_only) == frozenset({"GET", "HEAD"})
    assert allowed_methods(write) == frozenset({"POST"})
    assert allowed_methods(anything) is None
    assert allowed_methods(TemplateView.as_view()) == frozenset({"GET"})
    assert Route(id="x", path="/x", methods=frozenset({"GET"})).state_changing is False
    assert {"POST", "PUT", "PATCH", "DELETE"} == STATE_CHANGING_METHODS


def test_a_decorated_test_that_writes_no_audit_entry_fails(db: None) -> None:
    from security.route_audit import RouteNotAudited, audits_route

    @audits_route("tenant:home")
    def claims_but_does_nothing() -> None:
        return None

    with pytest.raises(RouteNotAudited):
        claims_but_does_nothing()

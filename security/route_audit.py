"""Proof that every state-changing route leaves an audit record (6.2.18, 6.5.23.15).

The URL confs (public and tenant) and both django-ninja APIs are enumerated; a route is
state-changing when it accepts POST, PUT, PATCH or DELETE, or accepts any method (a function
view without `require_http_methods`/`require_safe`). Each such route must be either

- covered: a test decorated with `@audits_route("<route id>")` drives it, and the decorator
  fails that test unless at least one audit entry was written while it ran; or
- exempt: listed with a reason in some app's `audit_routes.py` module, in its `EXEMPT` dict
  (sign-in and sign-out go to the access log instead; read-only views without a method
  restriction; screens a role can never reach on that host).

`tests/security/test_route_audit_coverage.py` fails when a route is neither, so a route added
later cannot escape. `NOT_YET_COVERED` in an app's `audit_routes.py` is a ratchet for routes that
predate the check: the test also fails when one of them gets covered or disappears, so the list
only shrinks. `manage.py audit_routes` prints the table.

Route ids: `<urlconf>:<namespace>:<name>` for views (`tenant:accounts:user_invite`) and
`<urlconf>:<METHOD> /<path>` for API operations (`tenant:POST /api/users`).
"""

from __future__ import annotations

import ast
import functools
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db.models.signals import post_save
from django.urls import URLPattern, URLResolver, get_resolver

STATE_CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DECORATOR_NAME = "audits_route"

TestFunction = TypeVar("TestFunction", bound=Callable[..., Any])


@dataclass(frozen=True)
class Route:
    id: str
    path: str
    methods: frozenset[str] | None  # None: the view does not restrict methods

    @property
    def state_changing(self) -> bool:
        return self.methods is None or bool(self.methods & STATE_CHANGING_METHODS)


def urlconfs() -> dict[str, str]:
    return {"public": settings.PUBLIC_SCHEMA_URLCONF, "tenant": settings.ROOT_URLCONF}


def _ninja_path_view(callback: Any) -> Any:
    from ninja.operation import PathView

    for cell in getattr(callback, "__closure__", None) or ():
        try:
            contents = cell.cell_contents
        except ValueError:
            continue
        if isinstance(contents, PathView):
            return contents
    return None


def allowed_methods(callback: Any) -> frozenset[str] | None:
    """The methods a view accepts, read from its class or from Django's method decorators."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return frozenset(
            method.upper()
            for method in view_class.http_method_names
            if method != "options" and hasattr(view_class, method)
        )
    function: Any = callback
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is not None:
            for name, cell in zip(code.co_freevars, function.__closure__ or (), strict=False):
                if name == "request_method_list":
                    return frozenset(str(method).upper() for method in cell.cell_contents)
        function = getattr(function, "__wrapped__", None)
    return None


def _walk(patterns: list[Any], *, label: str, prefix: str, namespace: str) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _walk(
                pattern.url_patterns,
                label=label,
                prefix=prefix + str(pattern.pattern),
                namespace=inner,
            )
            continue
        if not isinstance(pattern, URLPattern):
            continue
        path = "/" + prefix + str(pattern.pattern)
        path_view = _ninja_path_view(pattern.callback)
        if path_view is not None:
            for operation in path_view.operations:
                for method in operation.methods:
                    yield Route(
                        id=f"{label}:{method} {path}", path=path, methods=frozenset({method})
                    )
            continue
        callback = getattr(pattern.callback, "func", pattern.callback)  # functools.partial
        if getattr(callback, "__module__", "").startswith("ninja."):
            continue  # the API's own root, OpenAPI schema and docs pages (read-only)
        name = (
            ":".join(part for part in (namespace, pattern.name) if part) if pattern.name else path
        )
        yield Route(id=f"{label}:{name}", path=path, methods=allowed_methods(pattern.callback))


def all_routes() -> list[Route]:
    found: dict[str, Route] = {}
    for label, urlconf in urlconfs().items():
        for route in _walk(
            get_resolver(urlconf).url_patterns, label=label, prefix="", namespace=""
        ):
            found.setdefault(route.id, route)
    return sorted(found.values(), key=lambda route: route.id)


def state_changing_routes() -> list[Route]:
    return [route for route in all_routes() if route.state_changing]


def _app_registry(attribute: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.audit_routes")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.audit_routes":
                raise
            continue
        merged.update(getattr(module, attribute, {}))
    return merged


def exempt_routes() -> dict[str, str]:
    """Route id → why it needs no audit record, from every installed app's `audit_routes.py`."""
    return _app_registry("EXEMPT")


def not_yet_covered() -> dict[str, str]:
    """The shrinking list of routes that predate this check (see module docstring)."""
    return _app_registry("NOT_YET_COVERED")


def covered_routes(tests_root: Path) -> dict[str, list[str]]:
    """Route id → tests (`file::function`) decorated with `@audits_route(...)` for it, found by
    reading the test files (no import, no collection)."""
    covered: dict[str, list[str]] = {}
    for path in sorted(tests_root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call):
                    continue
                func = decorator.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name != DECORATOR_NAME:
                    continue
                for argument in decorator.args:
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                        covered.setdefault(argument.value, []).append(
                            f"{path.relative_to(tests_root.parent)}::{node.name}"
                        )
    return covered


class RouteNotAudited(AssertionError):
    pass


def audits_route(*route_ids: str) -> Callable[[TestFunction], TestFunction]:
    """Marks a test as the audit proof of `route_ids`; the test fails unless it wrote at least
    one audit entry. Fixtures keep working (the wrapper keeps the test's signature)."""
    if not route_ids:
        raise ValueError("audits_route needs at least one route id")

    def decorate(test: TestFunction) -> TestFunction:
        @functools.wraps(test)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from security.models import AuditEntry

            written: list[str] = []

            def on_save(sender: Any, instance: AuditEntry, created: bool, **_: Any) -> None:
                if created:
                    written.append(instance.action)

            uid = f"audits_route:{id(wrapper)}"
            post_save.connect(on_save, sender=AuditEntry, weak=False, dispatch_uid=uid)
            try:
                result = test(*args, **kwargs)
            finally:
                post_save.disconnect(sender=AuditEntry, dispatch_uid=uid)
            if not written:
                raise RouteNotAudited(
                    f"{test.__name__} declares it proves the audit of {', '.join(route_ids)} "
                    "but no audit entry was written while it ran"
                )
            return result

        wrapper.audited_routes = route_ids  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate

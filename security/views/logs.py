"""The access log (6.2.17) and the audit log (6.2.18, 6.5.23.15): filter, page, export.

Who acted (staff users, by e-mail) is shown as is: that is what an audit log is for. What was
changed (before/after, the object's description) may hold citizens' personal data, so it goes
through the same masker as every other screen. Every export is itself recorded in the audit log:
who took a copy of the logs, and which part.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.permissions import capability_required
from security.actors import Actor
from security.audit import audit_record
from security.exports import export_response
from security.forms import AccessLogFilterForm, AuditLogFilterForm
from security.masking import masker_for
from security.models import AccessEventKind
from security.selectors import (
    access_event_list,
    audit_actions,
    audit_entry_list,
    audit_object_types,
)

PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx")
# An export is one download, not a data pump: beyond this, narrow the period.
EXPORT_LIMIT = 100_000


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("formato", "")
    return fmt if fmt in EXPORT_FORMATS else None


def _record_export(
    request: HttpRequest, *, action: str, filters: dict[str, Any], fmt: str, rows: int
) -> None:
    with transaction.atomic():
        audit_record(
            actor=Actor.from_request(request),
            action=action,
            object_type="log",
            after={"filtros": filters, "formato": fmt, "linhas": rows},
        )


def _filters(form: Any) -> dict[str, Any]:
    if not form.is_valid():
        return {}
    return {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}


@capability_required("view_audit_log")
@require_safe
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET or None)
    filters = _filters(form)
    events = access_event_list(
        user=filters.get("user", ""),
        kind=filters.get("kind", ""),
        ip=filters.get("ip", ""),
        period=form.period() if form.is_bound else None,
    )
    fmt = _export_format(request)
    if fmt:
        rows = [
            (
                event.occurred_at,
                event.get_kind_display(),
                event.username,
                event.ip,
                event.browser,
                event.operating_system,
                event.device,
                event.user_agent,
                event.detail,
            )
            for event in events[:EXPORT_LIMIT]
        ]
        _record_export(
            request, action="access_log.export", filters=filters, fmt=fmt, rows=len(rows)
        )
        return export_response(
            fmt=fmt,
            filename="log-de-acessos",
            header=[
                "data e hora",
                "evento",
                "usuário",
                "IP",
                "navegador",
                "sistema operacional",
                "dispositivo",
                "agente do navegador",
                "detalhe",
            ],
            rows=rows,
        )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "security/access_log.html",
        {
            "form": form,
            "page": page,
            "kinds": AccessEventKind.choices,
            "query": _query_without_page(request),
        },
    )


def _json_text(value: Any, masker: Any) -> str:
    if value is None:
        return ""
    return masker.mask(json.dumps(value, ensure_ascii=False, sort_keys=True))


@capability_required("view_audit_log")
@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditLogFilterForm(request.GET or None)
    filters = _filters(form)
    entries = audit_entry_list(
        user=filters.get("user", ""),
        action=filters.get("action", ""),
        object_type=filters.get("object_type", ""),
        object_id=filters.get("object_id", ""),
        period=form.period() if form.is_bound else None,
    )
    masker = masker_for(request.user)
    fmt = _export_format(request)
    if fmt:
        rows = [
            (
                entry.occurred_at,
                entry.actor_label,
                entry.via,
                entry.action,
                entry.object_type,
                entry.object_id,
                masker.mask(entry.object_repr),
                _json_text(entry.before, masker),
                _json_text(entry.after, masker),
                entry.ip,
                entry.user_agent,
                entry.entry_hash,
            )
            for entry in entries[:EXPORT_LIMIT]
        ]
        _record_export(request, action="audit_log.export", filters=filters, fmt=fmt, rows=len(rows))
        return export_response(
            fmt=fmt,
            filename="log-de-auditoria",
            header=[
                "data e hora",
                "usuário",
                "origem",
                "ação",
                "tipo de objeto",
                "id do objeto",
                "objeto",
                "antes",
                "depois",
                "IP",
                "dispositivo",
                "hash",
            ],
            rows=rows,
        )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("pagina"))
    shown = [
        {
            "entry": entry,
            "object_repr": masker.mask(entry.object_repr),
            "before": _json_text(entry.before, masker),
            "after": _json_text(entry.after, masker),
        }
        for entry in page.object_list
    ]
    return render(
        request,
        "security/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": shown,
            "actions": audit_actions(),
            "object_types": audit_object_types(),
            "query": _query_without_page(request),
        },
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("pagina", None)
    query.pop("formato", None)
    return query.urlencode()

from __future__ import annotations

import logging

from django.db import connection

from core.context import request_id_var, tenant_var


class RequestContextFilter(logging.Filter):
    """Adds `tenant` and `request_id` to every record so JSON logs can be filtered by them."""

    def filter(self, record: logging.LogRecord) -> bool:
        tenant = tenant_var.get()
        if tenant == "-":
            # Outside a request (Celery task, command): the schema the connection is set to.
            tenant = getattr(connection, "schema_name", "-") or "-"
        record.tenant = tenant
        record.request_id = request_id_var.get()
        return True

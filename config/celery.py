"""The Celery app. Tasks carry the tenant schema they were sent from (tenant-schemas-celery),
so a task always runs inside the schema of the tenant that queued it."""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

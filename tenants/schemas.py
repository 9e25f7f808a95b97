"""The template schema that new tenants are cloned from, and the check that it is current.

django-tenants' `migrate_schemas` only migrates schemas that have a tenant row, and the template
has none. A tenant cloned from a stale template gets the missing migrations *recorded as applied*
(creation fakes them) without their tables. So provisioning refuses a stale template, and
`manage.py migrate_all` migrates it together with everything else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context, schema_exists

from tenants.errors import TemplateSchemaStale


def template_schema_name() -> str:
    return str(settings.TENANT_BASE_SCHEMA)


def pending_migrations(schema_name: str) -> list[str]:
    """Migrations of tenant apps not yet applied in `schema_name` ("app.name")."""
    with schema_context(schema_name):
        executor = MigrationExecutor(connection)
        targets = [
            node for node in executor.loader.graph.leaf_nodes() if node[0] in _tenant_app_labels()
        ]
        plan = executor.migration_plan(targets)
        return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _tenant_app_labels() -> set[str]:
    from django.apps import apps

    labels = set()
    for app in settings.TENANT_APPS:
        for config in apps.get_app_configs():
            if config.name == app:
                labels.add(config.label)
    return labels


def template_check() -> None:
    name = template_schema_name()
    if not schema_exists(name):
        raise TemplateSchemaStale(
            f"O esquema modelo '{name}' não existe. Rode `manage.py migrate_all`."
        )
    pending = pending_migrations(name)
    if pending:
        raise TemplateSchemaStale(
            f"O esquema modelo '{name}' está desatualizado ({len(pending)} migrações "
            f"pendentes, por exemplo {pending[0]}). Rode `manage.py migrate_all`."
        )


def missing_tables(schema_name: str) -> list[str]:
    """Tables that the models of tenant apps declare but `schema_name` does not have."""
    from django.apps import apps

    labels = _tenant_app_labels()
    with schema_context(schema_name):
        existing = set(connection.introspection.table_names())
        declared = {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in labels and model._meta.managed and not model._meta.proxy
        }
    return sorted(declared - existing)

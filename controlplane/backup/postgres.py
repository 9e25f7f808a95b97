"""Talking to PostgreSQL outside Django's connection: libpq settings for pg_dump/pg_restore,
separate psycopg connections, and the per-table manifest (row counts and checksums)."""

from __future__ import annotations

import os
import re
from typing import Any

import psycopg
import psycopg.conninfo
from django.db import connection
from psycopg import sql

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def database_settings(dbname: str | None = None) -> dict[str, str]:
    """The default database's connection settings (the test database during tests)."""
    settings_dict = connection.settings_dict
    values = {
        "dbname": dbname or str(settings_dict["NAME"]),
        "user": str(settings_dict.get("USER") or ""),
        "password": str(settings_dict.get("PASSWORD") or ""),
        "host": str(settings_dict.get("HOST") or ""),
        "port": str(settings_dict.get("PORT") or ""),
    }
    return {key: value for key, value in values.items() if value}


def libpq_environment(dbname: str | None = None) -> dict[str, str]:
    """Environment for pg_dump and pg_restore: the password never appears on a command line."""
    names = {
        "dbname": "PGDATABASE",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "host": "PGHOST",
        "port": "PGPORT",
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for key, value in database_settings(dbname).items():
        env[names[key]] = value
    return env


def connect(dbname: str | None = None, **options: Any) -> psycopg.Connection[Any]:
    conninfo = psycopg.conninfo.make_conninfo(**database_settings(dbname))
    return psycopg.connect(conninfo, **options)


def schema_tables(conn: psycopg.Connection[Any], schema: str) -> list[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY c.relname",
        [schema],
    ).fetchall()
    return [row[0] for row in rows]


def schema_exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]).fetchone()
    return row is not None


def schema_manifest(conn: psycopg.Connection[Any], schema: str) -> dict[str, dict[str, Any]]:
    """Row count and an order-independent checksum of every table of `schema`.

    The checksum is the MD5 of the sorted MD5s of each row's text form, so it does not depend on
    physical order, and it never names the schema: a restore into another schema must match.
    """
    manifest: dict[str, dict[str, Any]] = {}
    for table in schema_tables(conn, schema):
        query = sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') "
            "FROM {}.{} AS t"
        ).format(sql.Identifier(schema), sql.Identifier(table))
        row = conn.execute(query).fetchone()
        assert row is not None
        manifest[table] = {"rows": int(row[0]), "checksum": str(row[1])}
    return manifest

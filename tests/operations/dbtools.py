"""Helpers for tests that work on whole databases: an admin connection and a copy of one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import connections
from psycopg import sql


def conninfo(dbname: str) -> str:
    """libpq connection string to `dbname` with the credentials of the default database."""
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        host=db["HOST"] or "127.0.0.1",
        port=str(db["PORT"] or 5432),
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=dbname,
    )


def database_url(dbname: str) -> str:
    db = settings.DATABASES["default"]
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgis://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{dbname}"


@contextmanager
def admin(dbname: str = "postgres") -> Iterator[psycopg.Connection]:
    """An autocommit connection of its own (outside Django and any test transaction)."""
    with psycopg.connect(conninfo(dbname), autocommit=True) as conn:
        yield conn


def one(dbname: str, query: str, params=()) -> object:
    with admin(dbname) as conn:
        return conn.execute(query, params or None).fetchone()[0]


def terminate_backends(dbname: str) -> None:
    """End every session on `dbname` but the caller's own."""
    with admin() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        )


def copy_database(source: str, target: str) -> None:
    """CREATE DATABASE target TEMPLATE source; the source's other sessions are ended first
    (a template must have none), and Django's own connections closed."""
    connections.close_all()
    drop_database(target)
    terminate_backends(source)
    with admin() as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(target), sql.Identifier(source)
            )
        )


def drop_database(name: str) -> None:
    """Drop `name` if it exists, even when a failed test left it closed to connections."""
    with admin() as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            ident = sql.Identifier(name)
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(ident))
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(ident))


def manifest(dbname: str) -> dict[str, str]:
    """Row count of every table and md5 of every geometry column (EWKB in primary-key order)."""
    result: dict[str, str] = {}
    with admin(dbname) as conn:
        tables = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'm') ORDER BY 1"
        ).fetchall()
        for (table,) in tables:
            count = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            result[f"rows:{table}"] = str(count)
        columns = conn.execute(
            "SELECT f_table_name, f_geometry_column FROM geometry_columns "
            "WHERE f_table_schema = 'public' ORDER BY 1, 2"
        ).fetchall()
        for table, column in columns:
            has_id = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = "
                "'public' AND table_name = %s AND column_name = 'id')",
                [table],
            ).fetchone()[0]
            # By id; a table without one (layers_featurereach) by the geometries themselves.
            order = sql.SQL("id" if has_id else "ST_AsEWKB({c})").format(c=sql.Identifier(column))
            digest = conn.execute(
                sql.SQL(
                    "SELECT md5(string_agg(ST_AsEWKB({c}), '\\x01'::bytea ORDER BY {o})) FROM {t}"
                ).format(c=sql.Identifier(column), t=sql.Identifier(table), o=order)
            ).fetchone()[0]
            result[f"geom:{table}.{column}"] = str(digest)
    return result

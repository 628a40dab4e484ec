"""Test helpers: writing small layer files, fingerprints of every stored table, waiting for a
background worker."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from django.db import connection


def layer_tables() -> list[str]:
    """Every table whose writes bump a data version (its database trigger), with the versions:
    the layers, their records and the network's ledgers, as the database itself lists them."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'dv\\_%%' AND c.relname NOT LIKE 'auth\\_%%' "
            "AND c.relname NOT LIKE 'compliance\\_%%' ORDER BY 1"
        )
        return [*(row[0] for row in cur.fetchall()), "layers_layerversion"]


def tables_fingerprint() -> dict[str, str]:
    """An md5 of every row of every layer table: equal before and after ⇔ nothing changed."""
    out = {}
    with connection.cursor() as cur:
        for table in layer_tables():
            order = "key" if table == "layers_layerversion" else "id"
            cur.execute(
                f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' "  # noqa: S608
                f"ORDER BY {order})), '') FROM {table} t"  # fixed table names, no input
            )
            out[table] = cur.fetchone()[0]
    return out


def write_layer(
    path: Path,
    geoms: list,
    fields: dict[str, list],
    crs: str = "EPSG:4326",
    layer: str | None = None,
    driver: str | None = None,
    encoding=None,
) -> Path:
    """Write a one-layer vector file (format from the suffix) from shapely geometries."""
    data = []
    for values in fields.values():
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            data.append(np.array(values, dtype=np.int64))
        elif all(isinstance(v, int | float) for v in values):
            data.append(np.array(values, dtype=np.float64))
        else:
            data.append(np.array(values, dtype=object))
    geometry_type = geoms[0].geom_type if geoms else "Unknown"
    if len({g.geom_type for g in geoms}) > 1:
        geometry_type = "Unknown"
    pyogrio.raw.write(
        path,
        geometry=np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
        field_data=data,
        fields=list(fields),
        crs=crs,
        geometry_type=geometry_type,
        layer=layer or path.stem,
        driver=driver,
        encoding=encoding,
    )
    return path


def rewrite_one_row(table: str) -> None:
    """What another process (QGIS, a SQL fix) does: write a row of `table` behind Django's back.

    The database's trigger bumps the table's data version; nothing in Python is told.
    """
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET id = id WHERE id = (SELECT min(id) FROM {table})"  # noqa: S608
        )
        assert cur.rowcount == 1, f"{table} has no row to rewrite"


def evaluate_pending() -> list[tuple[str, int]]:
    """One pass of the evaluation worker (what `manage.py evaluation_worker` does on a change)."""
    from compliance.worker import evaluate_stale  # noqa: PLC0415 - Django apps ready only now

    return evaluate_stale()


def database_fingerprint() -> dict[str, str]:
    """Row count and md5 of every row of every table in the database (the whole stored state).

    Slow on big tables (a few seconds on the demo): for before/after comparisons of a sweep.
    """
    out = {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'spatial_ref_sys' ORDER BY tablename"
        )
        for (table,) in cur.fetchall():
            cur.execute(
                f"SELECT count(*) || ':' || coalesce(md5(string_agg(md5(t::text), '' "  # noqa: S608
                f"ORDER BY md5(t::text))), '') FROM \"{table}\" t"  # names from the catalogue
            )
            out[table] = cur.fetchone()[0]
    return out


def wait_for(condition, seconds: float = 60.0) -> bool:
    """Poll `condition()` every 0.1 s until it holds (True) or `seconds` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False

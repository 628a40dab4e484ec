"""The county window of a feature page: a one-county member's page read by walking their
county's rows in id order, with the ordinary page statement as its fallback (issue 19)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connection, models

from layers.scope import ScopedManager, current_scope

# How the page's ordinary statement finds a county member's rows — `county IN (scope) OR county
# IS NULL`, the box, `ORDER BY id LIMIT size + 1` — stops being flat as counties are added: the
# planner multiplies the county's selectivity (1/N) by the box's and, expecting few matches,
# reads every match of the box through a BitmapAnd and sorts them (12 ms for a town-sized box at
# 10 counties, where one county walked the primary key and stopped after the page: 1.2 ms).
# The window walks the county's own rows in id order instead, through the (county, id) btree
# (`county_id_index`), and stops at the page: its cost is the county's, whatever the others.
# A small statement (`window_end`) decides first whether and how far to walk; the page is then
# the window's statement, or the ordinary one — or both, when the window ended first.
# Measured (EXPLAIN ANALYZE, lianzhou_bench_counties_10, Lianzhou's first zone's box, page
# 1,000): the ordinary statement 12-21 ms, the window 1.7 ms; the tenth county's window 3.9 ms.
#
# Why `county = ANY(ARRAY[c])` and ORDER BY county, id: with `county = c` the planner treats
# the county as constant, so the primary key's order serves ORDER BY id too, and it picks it
# for a county whose ids come late (walking every other county's rows first: 37 ms for the
# tenth). Through ANY the county is a sort key again, which only the (county, id) index
# delivers without a sort (a scalar array on an index's first column keeps its order). The
# incremental sort of the county_id index (same order, after a sort of the whole county) is
# disabled for the window's statement (`_NO_INCREMENTAL_SORT`).


@dataclass(frozen=True)
class WindowSql:
    """The pieces of a lean page statement the window is built from, compiled by the page's
    builder: `columns`, the page's select list (id, geojson, properties) over the layer's
    table as the ORM writes it (no FROM); `hit`, the page's own row conditions (the layer's
    filters, the box, the status: no scope, no cursor); `aggregate`, the select list turning
    rows `p` (n, then the columns) into the page's row (rows read, up to size + 1; their JSON
    array; the page's last id)."""

    columns: tuple[str, list]
    hit: tuple[str, list]
    aggregate: tuple[str, list]


_NO_INCREMENTAL_SORT = "SET LOCAL enable_incremental_sort = off; "

# Tests: a fixed window length (rows) in place of the gate's (0: never walked).
FIXED_WINDOW: int | None = None


@dataclass(frozen=True)
class WindowEnd:
    """How far the walk goes: at most `rows` of the county's rows after the cursor."""

    rows: int


def window_county(model: type[models.Model], offset: int) -> int | None:
    """The county whose window may serve the page, or None (the ordinary statement alone): the
    scope is exactly one county, the page starts at a cursor or the beginning (not an OFFSET),
    the model is scoped by its own `county` and has the (county, id) index."""
    scope = current_scope()
    if offset or not scope.restricted or len(scope.counties) != 1:
        return None
    manager = model._default_manager
    if not isinstance(manager, ScopedManager) or manager.county_path != "county":
        return None
    if manager.area_path or not any(
        tuple(index.fields) == ("county", "id") for index in model._meta.indexes
    ):
        return None
    return next(iter(scope.counties))


def window_end(
    table: str, county: int, box: tuple, after: int | None, size: int
) -> WindowEnd | None:
    """Whether and how far a page's walk of the county goes (the gate), or None: no walk,
    the ordinary statement alone. One small statement: three index probes and the statistics.

    The window is walked only when no row in no county (an orphan, which every reader sees)
    lies after the cursor: every row the member may see in it is then the county's. S = the
    county's last id − its first after the cursor + 1 (at least the rows left); B = the
    statistics' estimate of the rows in the box (`layers_rows_in_box`: every county's, more
    than the county's where the box crosses a border). The page and its next row are expected
    within L = (size + 1) · S / B of the county's rows. The whole rest (S rows at most) when
    S ≤ max(B / 2, size + 1) (a short walk however it goes); else 2 L rows when 2 L ≤ B — a
    walk no longer than the rows the ordinary statement expects to read, so a miss costs at
    most about as much again —; else no walk (a small box in a large county, or no
    statistics).
    """
    quote = connection.ops.quote_name
    t = quote(table)
    county_id, row_id = f"{t}.{quote('county_id')}", f"{t}.{quote('id')}"
    after_sql, after_params = (f" AND {row_id} > %s", [after]) if after is not None else ("", [])
    sql = (
        f"SELECT (SELECT {row_id} FROM {t} WHERE {county_id} = ANY(%s::bigint[]){after_sql} "  # noqa: S608
        f"ORDER BY {county_id}, {row_id} LIMIT 1), "
        f"(SELECT {row_id} FROM {t} WHERE {county_id} = ANY(%s::bigint[]) "
        f"ORDER BY {county_id} DESC, {row_id} DESC LIMIT 1), "
        f"EXISTS (SELECT 1 FROM {t} WHERE {county_id} IS NULL{after_sql}), "
        "layers_rows_in_box(%s::regclass, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [[county], *after_params, [county], *after_params, table, *box])
        first, last, orphans, rows = cur.fetchone()
    if orphans:
        return None
    if first is None:
        return WindowEnd(1)  # nothing left in the county: an empty walk
    span = last - first + 1
    if FIXED_WINDOW is not None:
        length = FIXED_WINDOW or None
    elif span <= max((rows or 0) / 2, size + 1):
        length = span
    elif rows and 2 * (size + 1) * span / rows <= rows:
        length = math.ceil(2 * (size + 1) * span / rows)
    else:
        length = None
    if length is None:
        return None
    return WindowEnd(length)


def window_statement(
    table: str, county: int, parts: WindowSql, *, after: object | None, size: int
) -> tuple[str, list]:
    """The window's page statement and its parameters, `WindowEnd.rows` in a slot
    (`window_fill`) — (rows read, up to size + 1; their JSON array; the page's last id;
    whether it is the page).

    The county's rows after the cursor in id order through the (county, id) index, at most
    `rows` of them; those meeting `hit` are the page, the walk stops at size + 1 (the page
    and its next-page row). They are the page when there are size + 1 of them (the first by
    id: every row the member may see up to there is the county's) or when the window is the
    county's whole rest (every match is known); otherwise the ordinary statement answers. The
    hit test is a column of the walk, not its condition, and the walk's only bound is its
    LIMIT, so that the planner walks the index in order rather than gathering the box's
    matches (or an id range) and sorting them.
    """
    quote = connection.ops.quote_name
    t = quote(table)
    county_id, row_id = f"{t}.{quote('county_id')}", f"{t}.{quote('id')}"
    after_sql, after_params = (f" AND {row_id} > %s", [after]) if after is not None else ("", [])
    columns, columns_params = parts.columns
    if not columns.startswith("SELECT "):
        raise ValueError(f"unexpected select list {columns}")
    hit, hit_params = parts.hit
    aggregate, aggregate_params = parts.aggregate
    # The ORM's own SQL pieces and constant SQL; every value in them is a parameter.
    walk = (
        f"{aggregate} FROM ("  # noqa: S608
        f"SELECT row_number() OVER (ORDER BY {county_id}, {row_id}) AS n, "
        f"{columns[len('SELECT ') :]} FROM (SELECT ({hit}) AS _hit, {t}.* FROM {t} "
        f"WHERE {county_id} = ANY(%s::bigint[]){after_sql} "
        f"ORDER BY {county_id}, {row_id} LIMIT %s) {t} WHERE {t}._hit "
        f"ORDER BY {county_id}, {row_id} LIMIT %s) p"
    )
    # Whether it served, judged in the walk's own snapshot (the gate's was another): no orphan
    # after the cursor, and size + 1 rows found or the county's rest within the window (counted
    # in the index only when needed).
    sql = (
        f"{_NO_INCREMENTAL_SORT}SELECT w.*, NOT EXISTS (SELECT 1 FROM {t} "  # noqa: S608
        f"WHERE {county_id} IS NULL{after_sql}) AND (w.fetched > %s OR (SELECT count(*) FROM "
        f"(SELECT 1 FROM {t} WHERE {county_id} = ANY(%s::bigint[]){after_sql} "
        f"LIMIT %s + 1) r) <= %s) FROM ({walk}) w (fetched, features, last_id)"
    )
    params = [
        *after_params,
        size,
        [county],
        *after_params,
        ROWS,
        ROWS,
        *aggregate_params,
        *columns_params,
        *hit_params,
        [county],
        *after_params,
        ROWS,
        size + 1,
    ]
    return sql, params


class _Slot:
    """A parameter filled in per request (the window's length)."""

    def __init__(self, name: str):
        self.name = name


ROWS = _Slot("rows")


def window_fill(params: list, end: WindowEnd) -> list:
    """The window statement's parameters with this request's window length in its slot."""
    return [end.rows if p is ROWS else p for p in params]

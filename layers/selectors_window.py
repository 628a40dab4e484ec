"""The county window of a feature page: a page read by walking one county's rows in id order,
with the ordinary page statement as its fallback (issue 19) — a one-county member's page, and
the page of a reader of several or every county when the box can hold rows of one county only
(layers/feature_reach.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connection, models

from layers.feature_reach import REACH_TABLES
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
class WindowScope:
    """Whose rows a page's window may walk. `county`: a one-county member's county (every row
    they may see after the cursor is that county's, orphans aside). None: a reader of
    `counties` (None: every county) whose window walks the one county the box can hold rows
    of, when the reach (layers/feature_reach.py) finds only one."""

    county: int | None
    counties: frozenset[int] | None = None


@dataclass(frozen=True)
class WindowEnd:
    """How far the walk goes: at most `rows` of `county`'s rows after the cursor."""

    rows: int
    county: int


def window_scope(model: type[models.Model], offset: int) -> WindowScope | None:
    """Whose rows may serve the page through a window, or None (the ordinary statement
    alone): the page starts at a cursor or the beginning (not an OFFSET), the model is scoped
    by its own `county` and has the (county, id) index; a reader of one county walks it, a
    reader of more walks the one the box holds (the model's table keeps its reach)."""
    scope = current_scope()
    if offset or scope.counties == frozenset():
        return None
    manager = model._default_manager
    if not isinstance(manager, ScopedManager) or manager.county_path != "county":
        return None
    if manager.area_path or not any(
        tuple(index.fields) == ("county", "id") for index in model._meta.indexes
    ):
        return None
    if scope.restricted and len(scope.counties) == 1:
        return WindowScope(next(iter(scope.counties)))
    if model._meta.db_table not in REACH_TABLES:
        return None
    return WindowScope(None, scope.counties)


def _reach_sql(counties: frozenset[int] | None, county_sql: str) -> tuple[str, list]:
    """Rows of the reach whose box meets the page's box (its four numbers the first
    parameters) among the cells of `counties` (None: every county) and of no county (orphans,
    which every reader sees), other than the county `county_sql` ('' for every one)."""
    among, among_params = "", []
    if counties is not None:
        among, among_params = (
            " AND (r.county_id = ANY(%s::bigint[]) OR r.county_id IS NULL)",
            [sorted(counties)],
        )
    other = f" AND r.county_id IS DISTINCT FROM {county_sql}" if county_sql else ""
    sql = (
        "FROM layers_featurereach r WHERE r.layer_table = %s "
        "AND r.extent && ST_MakeEnvelope(%s, %s, %s, %s, 4326)" + among + other
    )
    return sql, among_params


def window_end(
    table: str, scope: WindowScope, box: tuple, after: int | None, size: int
) -> WindowEnd | None:
    """Whether and how far a page's walk of a county goes (the gate), or None: no walk, the
    ordinary statement alone. One small statement: a few index probes and the statistics.

    The county: a member's own (the window is then walked only when no row in no county — an
    orphan, which every reader sees — lies after the cursor), or, for a reader of more, the
    only county whose reach meets the box, when no other (and no orphan's) does. Then S = the
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
    probes = (
        f"(SELECT {row_id} FROM {t} WHERE {county_id} = ANY(ARRAY[c.id]){after_sql} "  # noqa: S608
        f"ORDER BY {county_id}, {row_id} LIMIT 1), "
        f"(SELECT {row_id} FROM {t} WHERE {county_id} = ANY(ARRAY[c.id]) "
        f"ORDER BY {county_id} DESC, {row_id} DESC LIMIT 1), "
    )
    estimate = "layers_rows_in_box(%s::regclass, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
    if scope.county is not None:
        sql = (
            f"SELECT c.id, {probes}EXISTS (SELECT 1 FROM {t} "  # noqa: S608
            f"WHERE {county_id} IS NULL{after_sql}), {estimate} "
            "FROM (SELECT %s::bigint) c (id)"
        )
        params = [*after_params, *after_params, table, *box, scope.county]
    else:
        # One county's cells meet the box, and no orphan's: c.id, else no row.
        reach, reach_params = _reach_sql(scope.counties, "")
        sql = (
            f"SELECT c.id, {probes}false, {estimate} FROM (SELECT min(r.county_id) "  # noqa: S608
            f"{reach} HAVING count(DISTINCT r.county_id) = 1 "
            "AND count(*) = count(r.county_id)) c (id)"
        )
        params = [*after_params, table, *box, table, *box, *reach_params]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    if row is None:
        return None
    county, first, last, orphans, rows = row
    if orphans:
        return None
    if first is None:
        return WindowEnd(1, county)  # nothing left in the county: an empty walk
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
    return WindowEnd(length, county)


def window_statement(
    table: str,
    scope: WindowScope,
    parts: WindowSql,
    *,
    box: tuple,
    after: object | None,
    size: int,
) -> tuple[str, list]:
    """The window's page statement and its parameters, the county and `WindowEnd.rows` in
    slots (`window_fill`), `box` the page box's four parameters — (rows read, up to size + 1;
    their JSON array; the page's last id; whether it is the page).

    The county's rows after the cursor in id order through the (county, id) index, at most
    `rows` of them; those meeting `hit` are the page, the walk stops at size + 1 (the page
    and its next-page row). They are the page when there are size + 1 of them (the first by
    id: every row the reader may see in the box up to there is the county's) or when the
    window is the county's whole rest (every match is known); otherwise the ordinary
    statement answers. The hit test is a column of the walk, not its condition, and the
    walk's only bound is its LIMIT, so that the planner walks the index in order rather than
    gathering the box's matches (or an id range) and sorting them.
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
        f"WHERE {county_id} = ANY(ARRAY[%s::bigint]){after_sql} "
        f"ORDER BY {county_id}, {row_id} LIMIT %s) {t} WHERE {t}._hit "
        f"ORDER BY {county_id}, {row_id} LIMIT %s) p"
    )
    # Whether it served, judged in the walk's own snapshot (the gate's was another): no row
    # of another county may lie in the page — a member: no orphan after the cursor; a reader
    # of more: no other county's (nor an orphan's) reach meets the box, which covers every
    # row they may see there (a row's growth of the reach is in the row's own transaction) —
    # and size + 1 rows found or the county's rest within the window (counted in the index
    # only when needed).
    if scope.county is not None:
        alone, alone_params = (
            f"NOT EXISTS (SELECT 1 FROM {t} WHERE {county_id} IS NULL{after_sql})",  # noqa: S608
            after_params,
        )
    else:
        reach, reach_params = _reach_sql(scope.counties, "%s::bigint")
        alone, alone_params = f"NOT EXISTS (SELECT 1 {reach})", [table, *box, *reach_params, COUNTY]
    sql = (
        f"{_NO_INCREMENTAL_SORT}SELECT w.*, {alone} "  # noqa: S608
        f"AND (w.fetched > %s OR (SELECT count(*) FROM "
        f"(SELECT 1 FROM {t} WHERE {county_id} = ANY(ARRAY[%s::bigint]){after_sql} "
        f"LIMIT %s + 1) r) <= %s) FROM ({walk}) w (fetched, features, last_id)"
    )
    params = [
        *alone_params,
        size,
        COUNTY,
        *after_params,
        ROWS,
        ROWS,
        *aggregate_params,
        *columns_params,
        *hit_params,
        COUNTY,
        *after_params,
        ROWS,
        size + 1,
    ]
    return sql, params


class Slot:
    """A parameter of a kept statement, filled in per request (a window's county and length,
    a page's box and cursor: layers/selectors_lean.py)."""

    def __init__(self, name: str):
        self.name = name


ROWS = Slot("rows")
COUNTY = Slot("county")


def window_fill(params: list, end: WindowEnd) -> list:
    """The window statement's parameters with this request's county and window length in
    their slots."""
    values = {ROWS: end.rows, COUNTY: end.county}
    return [values.get(p, p) if isinstance(p, Slot) else p for p in params]

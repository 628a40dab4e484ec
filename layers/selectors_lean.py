"""The statement of a lean feature page (layers/selectors_features.py): own columns and each
feature's overall verdict, built once per shape and kept, the box and the cursor filled in per
request; with a county window (layers/selectors_window.py), the same page read by walking one
county's rows."""

from __future__ import annotations

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.core.exceptions import FullResultSet
from django.db import connection
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL

from layers.extensions import FeatureVerdicts
from layers.functions import ForcePolygonCCW
from layers.registry import LayerSpec
from layers.scope import current_scope
from layers.selectors_window import Slot, WindowScope, WindowSql, window_statement


def feature_geometry(spec: LayerSpec):
    """A feature's geometry as served."""
    # RFC 7946: exterior rings counter-clockwise (the stored rings are as the files drew them)
    return ForcePolygonCCW("geom") if "Polygon" in spec.geometry_type else F("geom")


def status_sql(verdicts: FeatureVerdicts | None, key: str) -> tuple[str, tuple]:
    """SQL of a feature's overall status by its id column `key`; no verdict: no_data."""
    if verdicts is None or verdicts.sql is None:
        return "'no_data'", ()
    # The relation is an extension's constant SQL (values are its params); key a column name.
    return (
        f"coalesce((SELECT s.status FROM ({verdicts.sql}) s WHERE s.key = {key} LIMIT 1), "  # noqa: S608
        "'no_data')",
        verdicts.params,
    )


def with_status(qs: QuerySet, verdicts: FeatureVerdicts | None, status: str) -> QuerySet:
    """Only the features whose overall status (the lean verdict) is `status`."""
    quote = connection.ops.quote_name
    sql, params = status_sql(verdicts, f"{quote(qs.model._meta.db_table)}.{quote('id')}")
    return qs.annotate(_verdict=RawSQL(sql, params)).filter(_verdict=status)  # noqa: S611


_BOX_SLOTS = tuple(Slot(n) for n in ("minx", "miny", "maxx", "maxy"))
_AFTER_SLOT = Slot("after")

# Lean page statements by shape (layer, properties, verdict relation, filters, paging, area
# scope): compiling the ORM's SQL costs about as much as a tenth of the page itself, so each
# shape is compiled once per process; only the box and the cursor change between requests.
LEAN_STATEMENTS: dict[tuple, tuple[str, list]] = {}
_STATEMENTS_MAX = 256


def lean_statement(
    spec: LayerSpec,
    names: tuple[str, ...],
    verdicts: FeatureVerdicts | None,
    status: str | None,
    *,
    show_verdict: bool,
    box: bool,
    cursor: bool,
    offset: int,
    size: int,
    window: WindowScope | None = None,
) -> tuple[str, list]:
    """The SQL of a lean page and its parameters, box and cursor as slots (`lean_fill`); with
    `window`, the statement of its county window (`window_fill` its end)."""
    key = (
        spec.model,
        spec.slug,
        spec.geometry_type,
        repr(sorted(spec.filters.items())),
        names,
        None if verdicts is None else (verdicts.sql, verdicts.params),
        status,
        show_verdict,
        box,
        cursor,
        offset,
        size,
        current_scope().key,  # the manager's filter: never one area's statement for another
        window,
    )
    found = LEAN_STATEMENTS.get(key)
    if found is None:
        found = _lean_statement_build(
            spec, names, verdicts, status, show_verdict, box, cursor, offset, size, window
        )
        if len(LEAN_STATEMENTS) >= _STATEMENTS_MAX:
            LEAN_STATEMENTS.clear()
        LEAN_STATEMENTS[key] = found
    return found


def _lean_statement_build(
    spec: LayerSpec,
    names: tuple[str, ...],
    verdicts: FeatureVerdicts | None,
    status: str | None,
    show_verdict: bool,
    box: bool,
    cursor: bool,
    offset: int,
    size: int,
    window: WindowScope | None = None,
) -> tuple[str, list]:
    """A page of features whose properties are own columns (and, `show_verdict`, each
    feature's overall status in `verdicts` as `compliance.status`; `status` keeps only those
    with it): one statement that reads each row once
    and answers (rows read, up to size + 1; their JSON array; the page's last id). With
    `window`, the same page read by walking one county's rows in id order
    (layers/selectors_window.py: flat as counties are added).

    The Features are written as text (string_agg of concatenated parts): the geometry's
    GeoJSON goes in as it is, not parsed back into json, and each property is its name and
    to_json(value) — about 0.8× the time of the json_agg(json_build_object(…,
    ST_AsGeoJSON(geom)::json, …)) a page is usually built with.
    """
    quote = connection.ops.quote_name
    if not all(n.isidentifier() for n in names):  # registry names; never user input
        raise ValueError(f"unexpected property names {names}")
    rows = _lean_rows(spec, spec.queryset(), names, verdicts, status, box, cursor, offset, size)
    inner, params = rows.query.sql_with_params()
    parts = [f"'\"{n}\":' || coalesce(to_json(p.{quote(n)})::text, 'null')" for n in names]
    status_params: tuple = ()
    if show_verdict and verdicts is not None and verdicts.sql is None:  # nothing judges it
        parts.append("""'"compliance":{"status":"no_data"}'""")
    elif show_verdict and verdicts is not None:
        verdict, status_params = status_sql(verdicts, "p.id")
        parts.append(f"""'"compliance":{{"status":' || to_json({verdict})::text || '}}'""")
    properties = " || ',' || ".join(parts) if parts else "''"
    feature = (
        """'{"type":"Feature","id":' || p.id || ',"geometry":' || coalesce(p.geojson, 'null')"""
        f""" || ',"properties":{{' || {properties} || '}}}}'"""
    )
    page = (
        f"SELECT count(*), '[' || coalesce(string_agg({feature}, ',' ORDER BY p.id) "
        "FILTER (WHERE p.n <= %s), '') || ']', max(p.id) FILTER (WHERE p.n <= %s)"
    )
    if window is None:
        # The inner statement is the ORM's own; every value in it is a parameter.
        sql = (
            f"{page} "  # noqa: S608
            f"FROM (SELECT row_number() OVER (ORDER BY q.id) AS n, q.* FROM ({inner}) q) p"
        )
        return sql, [*status_params, size, size, *params]
    parts = _window_sql(spec, names, box, status, verdicts, (page, [*status_params, size, size]))
    return window_statement(
        spec.model._meta.db_table,
        window,
        parts,
        box=_BOX_SLOTS,
        after=_AFTER_SLOT if cursor else None,
        size=size,
    )


def _window_sql(
    spec: LayerSpec,
    names: tuple[str, ...],
    box: bool,
    status: str | None,
    verdicts: FeatureVerdicts | None,
    aggregate: tuple[str, list],
) -> WindowSql:
    """The ORM's SQL of a lean page's pieces that the county window is built from (over every
    row of the model: the window applies the scope itself)."""
    every = spec.model._base_manager.filter(**spec.filters)
    columns_sql, columns_params = (
        spec.model._base_manager.annotate(geojson=AsGeoJSON(feature_geometry(spec), precision=7))
        .values("id", "geojson", *names)
        .order_by()
        .query.sql_with_params()
    )
    table = f" FROM {connection.ops.quote_name(spec.model._meta.db_table)}"
    if not columns_sql.endswith(table):
        raise ValueError(f"unexpected select list {columns_sql}")
    hits = _lean_rows(spec, every, names, verdicts, status, box, False, 0, 1).query
    try:
        hit_sql, hit_params = hits.where.as_sql(
            hits.get_compiler(connection=connection), connection
        )
    except FullResultSet:  # no condition: every row
        hit_sql, hit_params = "TRUE", []
    return WindowSql(
        columns=(columns_sql[: -len(table)], list(columns_params)),
        hit=(hit_sql, list(hit_params)),
        aggregate=aggregate,
    )


def _lean_rows(
    spec: LayerSpec,
    qs: QuerySet,
    names: tuple[str, ...],
    verdicts: FeatureVerdicts | None,
    status: str | None,
    box: bool,
    cursor: bool,
    offset: int,
    size: int,
) -> QuerySet:
    """The rows of a lean page from `qs`: in the box, of the status, after the cursor, by id
    (size + 1 of them from `offset`), as id, geojson and the properties `names`."""
    quote = connection.ops.quote_name
    table = quote(spec.model._meta.db_table)
    if box:
        qs = qs.filter(
            RawSQL(  # noqa: S611 - constant SQL, the box's numbers are parameters
                f"ST_Intersects({table}.{quote('geom')}, ST_MakeEnvelope(%s, %s, %s, %s, 4326))",
                list(_BOX_SLOTS),
                output_field=BooleanField(),
            )
        )
    if status:
        qs = with_status(qs, verdicts, status)
    if cursor:
        qs = qs.filter(
            RawSQL(f"{table}.{quote('id')} > %s", [_AFTER_SLOT], output_field=BooleanField())  # noqa: S611
        )
    return (
        qs.order_by("id")
        .annotate(geojson=AsGeoJSON(feature_geometry(spec), precision=7))
        .values("id", "geojson", *names)[offset : offset + size + 1]
    )


def lean_fill(params: list, bbox_4326: tuple | None, after_id: int | None) -> list:
    """A kept statement's parameters with this request's box and cursor in their slots (a
    window's own slots are left to window_fill)."""
    values: dict[Slot, object] = {_AFTER_SLOT: after_id}
    if bbox_4326 is not None:
        values.update(zip(_BOX_SLOTS, bbox_4326, strict=True))
    return [values.get(p, p) if isinstance(p, Slot) else p for p in params]

"""Writing a validated layer file: staged, compared with what is stored, refused or merged.

The file is staged into a temporary table and compared feature by feature (by code) with the
stored layer before anything is written:
- a column the file leaves out is never touched (update mode);
- an empty cell over a stored value is refused unless the caller asked to clear and the field
  may be blank;
- a geometry within IMPORT_SAME_GEOMETRY_M of the stored one is unchanged (a file re-sent
  through another projection changes nothing and bumps no version);
- pipes that repeat another pipe's route are refused, as the editor refuses them (features
  outside the county are refused before, by dataio.importing.extent);
- only changed features are written (their version bumped), features absent from a full
  replacement file are retired when asked, and network features get a history row whose cause
  is the import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.db import connection
from django.db.models import Q
from psycopg import sql

from dataio.importing.errors import FeatureChange, ImportFailed, ImportReport, RowError
from dataio.importing.first_load import derived_join, first_load_begin, first_load_insert
from dataio.importing.routes import route_conflicts
from dataio.importing.rows import ParsedRows
from layers.derived import derived_columns
from layers.geometry import STORAGE_SRID
from layers.registry import LayerSpec
from layers.scope import OutOfScope, scope_check_rows
from layers.services.membership import (
    membership_refresh,
    membership_refresh_rows,
    membership_rules,
)
from network.services.import_history import network_import_before, network_import_record
from network.services.rules import NetworkBusy
from network.services.session import network_lock
from network.services.topology import staged_pipes_bind_nodes

# Hex EWKB needs the SRID flag and the SRID after the geometry type (see _ewkb_all).
_EWKB_FLAG = "20" + STORAGE_SRID.to_bytes(4, "little").hex().upper()
_M_PER_DEG = 111_320.0  # metres per degree of latitude (a tolerance in degrees ≤ the metres)
_STAGE = "_import_stage"
NETWORK_LAYERS = ("pipes", "pipe-nodes")
_DIFF = "_import_diff"


@dataclass(frozen=True)
class WriteOptions:
    """present: attribute columns the file carries; clear_blanks: an empty cell clears a
    field that may be blank; retire_missing: features of the layer absent from the file are
    retired (the file is the full layer)."""

    present: frozenset[str]
    clear_blanks: bool = False
    retire_missing: bool = False
    user: object | None = None


def ewkb_all(geoms: np.ndarray) -> list[str]:
    """Hex EWKB of 2D geometries in STORAGE_SRID, in one vectorised call (one call per row was
    ~20 % of a 200,000-pipe import): little-endian EWKB is the WKB with the SRID flag set in
    the type's high byte and the SRID after the type."""
    wkb = shapely.to_wkb(geoms, hex=True, byte_order=1, include_srid=False).tolist()
    return [h[:8] + _EWKB_FLAG + h[10:] for h in wkb]


def layer_write(
    spec: LayerSpec, rows: ParsedRows, options: WriteOptions, report: ImportReport
) -> None:
    """Compare the file's rows with the stored layer, then write the difference.

    Raises ImportFailed (nothing written: the caller's transaction rolls back) listing every
    refused row. Fills report.created / updated / retired and report.changes.
    Call inside a transaction holding the layer's import lock.
    """
    if options.retire_missing and spec.retired is None:
        raise ImportFailed(
            [RowError(0, "", "this layer has no retired state; features cannot be retired")]
        )
    if spec.slug in NETWORK_LAYERS:
        # Serialised with the editor's writes: binding reads the nodes and adds junctions.
        try:
            network_lock()
        except NetworkBusy:
            raise ImportFailed(
                [RowError(0, "", "the network is being edited; nothing was written, try again")]
            ) from None
    model = spec.model
    fields = {f.name: f for f in model._meta.concrete_fields}
    names = spec.attr_names
    updatable = [n for n in names if n != "code" and n in options.present]
    codes = rows.columns["code"]
    geoms = ewkb_all(rows.geoms)
    in_county = "county" in fields  # codes are unique per county (layers/county_triggers.py)
    # An empty table is filled by the first-load path (dataio/importing/first_load.py): every
    # row is new, so nothing is matched, and the indexes are built once at the end.
    first = first_load_begin(spec.table)
    pipes = spec.slug == "pipes"
    nodes_first = pipes and first and first_load_begin("layers_pipenode")
    with connection.cursor() as wrapper:
        cur = wrapper.cursor
        if first:
            counties, existing = [None] * len(geoms), set()
        else:
            counties = _row_counties(cur, geoms) if in_county else [None] * len(geoms)
            cur.execute(
                sql.SQL("SELECT {c}, code FROM {t} WHERE code = ANY(%s)").format(
                    c=sql.SQL("county_id" if in_county else "NULL"), t=sql.Identifier(spec.table)
                ),
                [list(codes)],
            )
            existing = set(cur.fetchall())
        staged = [*names, "county_id"] if in_county else names
        columns = [*staged, "geom", "_row"]
        values = _staged_values(spec, rows, geoms, counties, existing, fields, in_county)
        _stage(cur, spec.table, staged, columns, values, pipes)
        if pipes:
            _bind_pipe_nodes(cur, staged, _junctions_insert(first=nodes_first))
        if first:
            _diff_all_new(cur)
        else:
            _diff(cur, spec.table, updatable, fields, options.clear_blanks, in_county)
        refusals = _blank_refusals(cur)
        missing = [a.name for a in spec.attrs if a.required and a.name not in options.present]
        if missing:
            refusals += _new_without(cur, missing)
        if pipes:
            refusals += route_conflicts(cur, _STAGE, _DIFF)
        if refusals:
            refusals.sort(key=lambda e: e.row)
            raise ImportFailed(refusals)
        before = _touched_ids(cur)
        retire_ids = _retire_candidates(cur, spec) if options.retire_missing else []
        network = spec.slug in NETWORK_LAYERS
        history_before = network_import_before(spec.slug, before + retire_ids) if network else {}
        has_created = hasattr(model, "created_at")
        if first:
            created_ids = first_load_insert(
                cur,
                table=spec.table,
                source=_STAGE,
                county=in_county,
                insert=lambda derived: _insert_sql(spec.table, names, pipes, has_created, derived),
            )
        else:
            derived = _new_derived(cur, spec)
            created_ids = _insert(cur, spec.table, names, pipes, has_created, derived)
        updated_ids = (
            []  # nothing was stored to update
            if first
            else _update(cur, spec.table, updatable, fields, options.clear_blanks, pipes)
        )
        if retire_ids:
            _retire(cur, spec, retire_ids, pipes)
        report.changes = _changes(cur, spec, retire_ids)
    report.created, report.updated, report.retired = (
        len(created_ids),
        len(updated_ids),
        len(retire_ids),
    )
    if _outside_scope(spec, [*created_ids, *updated_ids]):
        raise ImportFailed(
            [RowError(0, "", "features outside your area: import only your area's features")]
        )
    if created_ids or updated_ids or retire_ids:
        _memberships(spec, updated_ids)
        if network:
            _history_record(
                spec.slug, options.user, history_before, created_ids, [*updated_ids, *retire_ids]
            )


def _history_record(
    slug: str, user, before: dict[int, dict], created: list[int], changed: list[int]
) -> None:
    """The import in the network history (network/services/import_history.py): the junctions
    the binding added, then the created features (ids and looked-up values only), then the
    updated and retired ones (their whole states before and after)."""
    if slug == "pipes" and (junctions := _binding_junctions()):
        # First: they exist before the pipes that end at them.
        network_import_record("pipe-nodes", {}, junctions, user=user, created=True)
    if created:
        network_import_record(slug, {}, created, user=user, created=True)
    if changed:
        network_import_record(slug, before, changed, user=user)


def _outside_scope(spec: LayerSpec, ids: list[int]) -> bool:
    """Whether a written feature lies in a county outside the importer's area (the caller's
    transaction rolls the import back)."""
    if "county" not in {f.name for f in spec.model._meta.concrete_fields}:
        return False
    try:
        scope_check_rows(spec.table, ids)
    except OutOfScope:
        return True
    return False


def _row_counties(cur, geoms: list[str]) -> list[int | None]:
    """Each row's county, as the database's trigger will derive it (layers_county_of)."""
    cur.execute(
        "SELECT layers_county_of(g::geometry) FROM unnest(%s::text[]) WITH ORDINALITY u(g, i) "
        "ORDER BY i",
        [geoms],
    )
    return [r[0] for r in cur.fetchall()]


def _staged_values(
    spec: LayerSpec,
    rows: ParsedRows,
    geoms: list[str],
    counties: list[int | None],
    existing: set,
    fields: dict,
    in_county: bool,
):
    """Rows to stage: blanks as NULL for stored features (so a blank never overwrites by
    accident), the model's defaults in blank cells of new features. A feature is stored when
    its code is, in the county its geometry lies in."""
    names = spec.attr_names
    codes = rows.columns["code"]
    new = [(county, code) not in existing for county, code in zip(counties, codes, strict=True)]
    # Column by column (a 200,000-row file's cells one by one took ~1 s).
    columns = []
    for name in names:
        default = fields[name].get_default() if name in fields else None
        columns.append(
            [
                (default if is_new else None) if value is None or value == "" else value
                for value, is_new in zip(rows.columns[name], new, strict=True)
            ]
        )
    if in_county:
        columns.append(counties)
    return zip(*columns, geoms, range(1, len(geoms) + 1), strict=True)


def _stage(cur, table: str, names: list[str], columns: list[str], values, pipes: bool) -> None:
    cols = [sql.Identifier(c) for c in columns]
    typed = [sql.Identifier(c) for c in [*names, "geom"]]
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {s}").format(s=sql.Identifier(_STAGE)))
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE {s} ON COMMIT DROP AS SELECT {cols} FROM {t} WITH NO DATA"
        ).format(s=sql.Identifier(_STAGE), cols=sql.SQL(", ").join(typed), t=sql.Identifier(table))
    )
    cur.execute(sql.SQL("ALTER TABLE {s} ADD COLUMN _row integer").format(s=sql.Identifier(_STAGE)))
    with cur.copy(
        sql.SQL("COPY {s} ({cols}) FROM STDIN").format(
            s=sql.Identifier(_STAGE), cols=sql.SQL(", ").join(cols)
        )
    ) as copy:
        for row in values:
            copy.write_row(row)
    if pipes:
        cur.execute(
            sql.SQL(
                "ALTER TABLE {s} ADD COLUMN start_node_id bigint, ADD COLUMN end_node_id bigint, "
                "ADD COLUMN length_m double precision"
            ).format(s=sql.Identifier(_STAGE))
        )
    # Statistics of the columns the comparison joins on (a geometry's are costly and unused).
    cur.execute(sql.SQL("ANALYZE {s} (_row, code)").format(s=sql.Identifier(_STAGE)))


def _bind_pipe_nodes(cur, names: list[str], node_insert) -> None:
    """Pipe ends bound to nodes (junctions added for loose ends, by node_insert), geometries
    snapped onto them, lengths in metres: the staged table replaced by the bound rows."""
    columns = [*names, "geom", "_row", "start_node_id", "end_node_id", "length_m"]
    query = staged_pipes_bind_nodes(cur, _STAGE, columns, node_insert)
    cur.execute(sql.SQL("CREATE TEMP TABLE _import_bound ON COMMIT DROP AS {q}").format(q=query))
    cur.execute(sql.SQL("DROP TABLE {s}").format(s=sql.Identifier(_STAGE)))
    cur.execute(sql.SQL("ALTER TABLE _import_bound RENAME TO {s}").format(s=sql.Identifier(_STAGE)))
    cur.execute(sql.SQL("ANALYZE {s} (_row, code)").format(s=sql.Identifier(_STAGE)))


def _clearable(field) -> bool:
    """A field an empty cell may clear: nullable, or text that may be blank without a
    default of its own (a status with a default is never 'cleared' to that default)."""
    return bool(field.null or (field.blank and field.get_default() in ("", None)))


def _empty(column: sql.Composable) -> sql.Composable:
    return sql.SQL("({c} IS NULL OR {c}::text = '')").format(c=column)


def _new_value(c: str, field, clear: bool) -> sql.Composable:
    """The value a stored feature gets for column c: the file's, else kept (or cleared)."""
    s, t = sql.SQL("s.{}").format(sql.Identifier(c)), sql.SQL("t.{}").format(sql.Identifier(c))
    if clear and _clearable(field):
        empty = sql.SQL("NULL") if field.null else sql.Literal("")
        return sql.SQL("COALESCE({s}, {e})").format(s=s, e=empty)
    return sql.SQL("COALESCE({s}, {t})").format(s=s, t=t)


def _same_geometry() -> sql.Composable:
    tol = float(settings.IMPORT_SAME_GEOMETRY_M) / _M_PER_DEG
    return sql.SQL(
        "(ST_OrderingEquals(s.geom, t.geom) OR (ST_NPoints(s.geom) = ST_NPoints(t.geom) "
        "AND ST_HausdorffDistance(s.geom, t.geom) <= {tol}))"
    ).format(tol=sql.Literal(tol))


def _diff(
    cur, table: str, updatable: list[str], fields: dict, clear: bool, in_county: bool
) -> None:
    """_import_diff: per staged row, the stored id (NULL: new), the changed fields, the
    fields an empty cell would clear without leave, and whether the geometry moved."""
    changed_items = [
        sql.SQL("CASE WHEN {nv} IS DISTINCT FROM t.{c} THEN {name} END").format(
            nv=_new_value(c, fields[c], clear), c=sql.Identifier(c), name=sql.Literal(c)
        )
        for c in updatable
    ]
    blanked_items = [
        sql.SQL("CASE WHEN s.{c} IS NULL AND NOT {empty} THEN {name} END").format(
            c=sql.Identifier(c),
            empty=_empty(sql.SQL("t.{}").format(sql.Identifier(c))),
            name=sql.Literal(c),
        )
        for c in updatable
        if not (clear and _clearable(fields[c]))
    ]
    geom_moved = sql.SQL("t.id IS NOT NULL AND NOT {same}").format(same=_same_geometry())
    changed_items.append(sql.SQL("CASE WHEN {m} THEN 'geom' END").format(m=geom_moved))

    def array(items):
        if not items:
            return sql.SQL("ARRAY[]::text[]")
        return sql.SQL("array_remove(ARRAY[{}]::text[], NULL)").format(sql.SQL(", ").join(items))

    cur.execute("DROP TABLE IF EXISTS _import_diff")
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE {d} ON COMMIT DROP AS SELECT s._row, s.code, t.id, "
            "{changed} AS changed, {blanked} AS blanked, COALESCE({moved}, false) AS moved "
            "FROM {s} s LEFT JOIN {t} t ON t.code = s.code{same_county}"
        ).format(
            same_county=sql.SQL(
                " AND t.county_id IS NOT DISTINCT FROM s.county_id" if in_county else ""
            ),
            d=sql.Identifier(_DIFF),
            changed=array(changed_items),
            blanked=array(blanked_items),
            moved=geom_moved,
            s=sql.Identifier(_STAGE),
            t=sql.Identifier(table),
        )
    )
    cur.execute("ANALYZE _import_diff")


def _diff_all_new(cur) -> None:
    """_import_diff of a first load: every staged row is new (what _diff finds against an
    empty table, without comparing each column with nothing)."""
    cur.execute("DROP TABLE IF EXISTS _import_diff")
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE {d} ON COMMIT DROP AS SELECT _row, code, NULL::bigint AS id, "
            "ARRAY[]::text[] AS changed, ARRAY[]::text[] AS blanked, false AS moved FROM {s}"
        ).format(d=sql.Identifier(_DIFF), s=sql.Identifier(_STAGE))
    )
    cur.execute("ANALYZE _import_diff (_row)")


def _blank_refusals(cur) -> list[RowError]:
    cur.execute("SELECT _row, unnest(blanked) FROM _import_diff WHERE id IS NOT NULL ORDER BY _row")
    return [
        RowError(
            row,
            column,
            "empty cell over a stored value: leave the column out of the file to keep "
            "the stored values, or ask to clear blanks",
        )
        for row, column in cur.fetchall()
    ]


def _new_without(cur, missing: list[str]) -> list[RowError]:
    """New features in a file that leaves out required columns: each row refused."""
    cur.execute("SELECT _row FROM _import_diff WHERE id IS NULL ORDER BY _row")
    return [
        RowError(row, name, "required column is missing: a new feature needs it")
        for (row,) in cur.fetchall()
        for name in missing
    ]


def _touched_ids(cur) -> list[int]:
    cur.execute("SELECT id FROM _import_diff WHERE id IS NOT NULL AND cardinality(changed) > 0")
    return [r[0] for r in cur.fetchall()]


def _retire_candidates(cur, spec: LayerSpec) -> list[int]:
    field, value = spec.retired
    filters = {k: v for k, v in spec.filters.items()}
    qs = spec.model.objects.filter(**filters).exclude(**{field: value})
    # Only in the counties the file covers: a county's delivery never retires another's.
    if "county" in {f.name for f in spec.model._meta.concrete_fields}:
        cur.execute("SELECT DISTINCT county_id FROM _import_stage")
        covered = [r[0] for r in cur.fetchall()]
        qs = qs.filter(
            Q(county_id__in=[c for c in covered if c is not None])
            | (Q(county__isnull=True) if None in covered else Q(pk__in=[]))
        )
    cur.execute("SELECT id FROM _import_diff WHERE id IS NOT NULL")
    kept = [r[0] for r in cur.fetchall()]
    return sorted(qs.exclude(id__in=kept).values_list("id", flat=True))


def _insert(
    cur, table: str, names: list[str], pipes: bool, has_created: bool, derived: list[str]
) -> list[int]:
    cur.execute(_insert_sql(table, names, pipes, has_created, derived))
    return [r[0] for r in cur.fetchall()]


def _new_derived(cur, spec: LayerSpec) -> list[str]:
    """The memberships of the new staged rows, derived set-based into _derived (as a first
    load's are) so that each row is written once, with them; their county is the trigger's.
    Returns the derived columns (none when the layer has no membership or no row is new)."""
    if not any(rule.table == spec.table for rule in membership_rules()):
        return []
    cur.execute("SELECT EXISTS (SELECT 1 FROM _import_diff WHERE id IS NULL)")
    if not cur.fetchone()[0]:
        return []
    return derived_columns(cur, table=spec.table, source=_STAGE, county=False)


def _insert_sql(
    table: str, names: list[str], pipes: bool, has_created: bool, derived: Sequence[str] = ()
) -> sql.Composable:
    """The INSERT … RETURNING id of the new staged rows, in file order; derived: columns a
    first load takes from _derived (alias x) instead of the database's triggers."""
    columns = [*names, "geom"]
    extra = {"updated_at": "now()"}
    if has_created:
        extra["created_at"] = "now()"
    if pipes:
        columns += ["start_node_id", "end_node_id", "length_m"]
        extra["version"] = "1"
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in [*columns, *derived, *extra])
    staged = [sql.SQL("s.{}").format(sql.Identifier(c)) for c in columns]
    taken = [sql.SQL("x.{}").format(sql.Identifier(c)) for c in derived]
    sel = sql.SQL(", ").join([*staged, *taken, *map(sql.SQL, extra.values())])
    return sql.SQL(
        "INSERT INTO {t} ({cols}) SELECT {sel} FROM {s} s JOIN {d} d ON d._row = s._row "
        "{join} WHERE d.id IS NULL ORDER BY s._row RETURNING id"
    ).format(
        t=sql.Identifier(table),
        cols=cols,
        sel=sel,
        s=sql.Identifier(_STAGE),
        d=sql.Identifier(_DIFF),
        join=derived_join("x", sql.SQL("s._row")) if derived else sql.SQL(""),
    )


def _junctions_insert(*, first: bool):
    """How the binding's new junctions (id, code, pt in the table it names) are written into
    layers_pipenode, each with its town derived set-based: by the first-load path into an
    empty node table (county derived too, indexes built once), else inserted as they are (the
    trigger gives the county)."""

    def statement(derived: list[str], table: str) -> sql.Composable:
        return sql.SQL(
            "INSERT INTO layers_pipenode (id, code, kind, geom, updated_at{cols}) "
            "SELECT j.id, j.code, 'junction', j.pt, now(){taken} FROM {t} j {join} "
            "ORDER BY j.id RETURNING id"
        ).format(
            cols=sql.SQL("").join(sql.SQL(", {}").format(sql.Identifier(c)) for c in derived),
            taken=sql.SQL("").join(sql.SQL(", x.{}").format(sql.Identifier(c)) for c in derived),
            t=sql.Identifier(table),
            join=derived_join("x", sql.SQL("j.id")),
        )

    def insert(cur, table: str) -> None:
        if first:
            first_load_insert(
                cur,
                table="layers_pipenode",
                source=table,
                county=True,
                key="id",
                geom="pt",
                insert=lambda derived: statement(derived, table),
            )
            return
        derived = derived_columns(
            cur, table="layers_pipenode", source=table, county=False, key="id", geom="pt"
        )
        cur.execute(statement(derived, table))

    return insert


def _memberships(spec: LayerSpec, updated: list[int]) -> None:
    """Memberships after an import (their writes bump the dependents' data versions): a zone
    layer changes other layers' memberships (all refreshed); otherwise only the updated rows
    (new rows and junctions got theirs as they were inserted). Never the whole database for
    a member layer's import: at a province's size that would be every feature's spatial
    join."""
    rules = membership_rules()
    if any(rule.zones == spec.table for rule in rules):
        membership_refresh()
    elif updated and any(rule.table == spec.table for rule in rules):
        membership_refresh_rows(spec.table, updated)


def _binding_junctions() -> list[int]:
    """The ids of the junctions this import's binding added (none when every end found a
    node: the binding then makes no junction table)."""
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('pg_temp._bind_junctions') IS NOT NULL")
        if not cur.fetchone()[0]:
            return []
        cur.execute("SELECT id FROM _bind_junctions ORDER BY id")
        return [r[0] for r in cur.fetchall()]


def _update(
    cur, table: str, updatable: list[str], fields: dict, clear: bool, pipes: bool
) -> list[int]:
    sets = [
        sql.SQL("{c} = {nv}").format(c=sql.Identifier(c), nv=_new_value(c, fields[c], clear))
        for c in updatable
    ]
    moved = ["geom"] + (["start_node_id", "end_node_id", "length_m"] if pipes else [])
    sets += [
        sql.SQL("{c} = CASE WHEN d.moved THEN s.{c} ELSE t.{c} END").format(c=sql.Identifier(c))
        for c in moved
    ]
    sets.append(sql.SQL("updated_at = now()"))
    if "version" in fields:
        sets.append(sql.SQL("version = t.version + 1"))
    cur.execute(
        sql.SQL(
            "UPDATE {t} t SET {sets} FROM {s} s JOIN {d} d ON d._row = s._row "
            "WHERE t.id = d.id AND cardinality(d.changed) > 0 RETURNING t.id"
        ).format(
            t=sql.Identifier(table),
            sets=sql.SQL(", ").join(sets),
            s=sql.Identifier(_STAGE),
            d=sql.Identifier(_DIFF),
        )
    )
    return [r[0] for r in cur.fetchall()]


def _retire(cur, spec: LayerSpec, ids: Sequence[int], pipes: bool) -> None:
    field, value = spec.retired
    versioned = "version" in {f.name for f in spec.model._meta.concrete_fields}
    bump = sql.SQL(", version = version + 1" if versioned else "")
    cur.execute(
        sql.SQL("UPDATE {t} SET {f} = %s, updated_at = now(){bump} WHERE id = ANY(%s)").format(
            t=sql.Identifier(spec.table), f=sql.Identifier(field), bump=bump
        ),
        [value, list(ids)],
    )


def _changes(cur, spec: LayerSpec, retired: Sequence[int]) -> list[FeatureChange]:
    """Per feature: created / updated (with the changed fields) / unchanged / retired, in file
    order then the retired ones by code."""
    # A new row's fields are not sent (its `changed` compares with nothing).
    cur.execute(
        "SELECT _row, code, CASE WHEN id IS NOT NULL THEN changed END FROM _import_diff "
        "ORDER BY _row"
    )
    out = [
        FeatureChange(row, code, "updated", tuple(changed))
        if changed
        else FeatureChange(row, code, "created" if changed is None else "unchanged", ())
        for row, code, changed in cur.fetchall()
    ]
    if retired:
        codes = spec.model.objects.filter(id__in=retired).order_by("code")
        field = spec.retired[0]
        out += [
            FeatureChange(0, c, "retired", (field,)) for c in codes.values_list("code", flat=True)
        ]
    return out

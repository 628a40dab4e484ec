"""import_layer: a GeoPackage, GeoJSON or zipped Shapefile into one layer, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from pathlib import Path

import numpy as np
import psycopg
import shapely
from django.conf import settings
from django.db import DatabaseError, transaction

from dataio.importing.errors import ImportFailed, ImportReport, RowError
from dataio.importing.files import check_size, read_vector
from dataio.importing.lock import import_lock
from dataio.importing.rows import ParsedRows, rows_parse
from dataio.importing.upsert import upsert
from layers.geometry import STORAGE_SRID, GeometryError, check_srid, srid_from_crs
from layers.models import AdminArea
from layers.registry import LayerSpec, layer_spec
from layers.services.membership import membership_refresh
from network.services.topology import staged_pipes_bind_nodes

Progress = Callable[[str, int, int], None]


class _DryRunRollback(Exception):
    """Raised inside the transaction of a dry run so that nothing is kept."""


def layer_import(
    *,
    slug: str,
    path: Path,
    srid: int | None = None,
    encoding: str | None = None,
    gcj02: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a layer file into `slug`; raise ImportFailed listing every bad row.

    srid: EPSG code of the file's coordinates when its own CRS is missing or wrong
    (allow-listed codes only). gcj02: the lon/lat coordinates are GCJ-02 (Chinese web maps)
    and are converted to WGS84. Codes are natural keys: re-importing a file changes nothing.
    A dry run validates and writes inside a transaction that is rolled back.
    """
    try:
        spec = layer_spec(slug)
    except KeyError as exc:
        raise ImportFailed([RowError(0, "", str(exc.args[0]))]) from None
    check_size(path, settings.IMPORT_MAX_FILE_BYTES)
    table = read_vector(
        path,
        expected=spec.attr_names,
        encoding=encoding,
        max_unzipped=settings.IMPORT_MAX_UNZIPPED_BYTES,
    )
    try:
        src_srid = check_srid(srid) if srid else srid_from_crs(table.crs)
    except GeometryError as exc:
        raise ImportFailed([RowError(0, "geometry", str(exc))]) from None
    if gcj02 and src_srid not in (4326, 4490):
        raise ImportFailed(
            [
                RowError(
                    0,
                    "geometry",
                    "GCJ-02 conversion applies to lon/lat "
                    f"coordinates, but the file is in EPSG:{src_srid}",
                )
            ]
        )
    missing = [a.name for a in spec.attrs if a.required and a.name not in table.columns]
    if missing:
        raise ImportFailed([RowError(0, name, "required column is missing") for name in missing])

    rows = rows_parse(spec, table, src_srid, gcj02, progress)
    report = ImportReport(target=slug, rows=len(rows), dry_run=dry_run)
    if table.renamed:
        report.notes.append(
            "Shapefile field names restored: "
            + ", ".join(f"{k} → {v}" for k, v in table.renamed.items())
        )
    ignored = sorted(set(table.columns) - set(spec.attr_names))
    if ignored:
        report.notes.append("columns ignored: " + ", ".join(ignored))
    try:
        with transaction.atomic():
            import_lock(slug)
            _write(spec, rows, report)
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    except (
        DatabaseError,
        psycopg.Error,
    ) as exc:  # a database guarantee caught what validation did not
        raise ImportFailed([RowError(0, "", f"refused by the database: {exc}")]) from None
    return report


def _ewkb(geom) -> str:
    return shapely.to_wkb(shapely.set_srid(geom, STORAGE_SRID), hex=True, include_srid=True)


def _ewkb_all(geoms: np.ndarray) -> list[str]:
    """Hex EWKB of 2D geometries in STORAGE_SRID, in one vectorised call (one call per row was
    ~20 % of a 200,000-pipe import).

    The SRID goes into the hex text rather than into copies of the geometries (set_srid copies
    each one, as long as writing the WKB): little-endian EWKB is the WKB with the SRID flag set
    in the type's high byte (0x20000000) and the SRID after the type.
    """
    wkb = shapely.to_wkb(geoms, hex=True, byte_order=1, include_srid=False).tolist()
    srid = STORAGE_SRID.to_bytes(4, "little").hex().upper()
    flagged = "20" + srid
    return [h[:8] + flagged + h[10:] for h in wkb]


def _write(spec: LayerSpec, rows: ParsedRows, report: ImportReport) -> None:
    table = spec.model._meta.db_table
    if spec.slug == "towns":
        created, updated = _write_areas(rows.dicts())
    else:
        names = spec.attr_names
        columns = [*names, "geom"]
        extra: dict[str, str] = {"updated_at": "now()"}
        on_update: dict[str, str] = {"updated_at": "now()"}
        prepare = None
        if hasattr(spec.model, "created_at"):
            extra["created_at"] = "now()"
        if spec.slug == "pipes":
            columns += ["start_node_id", "end_node_id", "length_m"]
            extra["version"] = "1"
            on_update["version"] = "t.version + 1"
            prepare = staged_pipes_bind_nodes
        defaults = {f.name: f.get_default() for f in spec.model._meta.concrete_fields}
        tail = (None, None, 0.0) if spec.slug == "pipes" else ()
        values = zip(
            *(_values(rows.columns[n], defaults.get(n)) for n in names),
            _ewkb_all(rows.geoms),
            *(repeat(value, len(rows)) for value in tail),
            strict=True,
        )
        created, updated, _ids = upsert(
            table,
            key=["code"],
            columns=columns,
            rows=values,
            on_update=on_update,
            insert_extra=extra,
            prepare=prepare,
        )
    report.created, report.updated = created, updated
    if created or updated:
        membership_refresh()  # its writes bump the dependents' data versions (triggers)


def _values(column: list, default) -> list:
    """The column's values, with the model field's default in empty cells when it has one."""
    if default in (None, ""):
        return column
    return [default if value in (None, "") else value for value in column]


def _area_level(code: str) -> str:
    # GB/T 2260: 2-digit province + 2 city + 2 county; towns add 3 more digits.
    if len(code) > 6:
        return AdminArea.Level.TOWN
    if code.endswith("0000"):
        return AdminArea.Level.PROVINCE
    if code.endswith("00"):
        return AdminArea.Level.CITY
    return AdminArea.Level.COUNTY


def _write_areas(rows: list[dict]) -> tuple[int, int]:
    """Areas upserted parents first, so a file may hold a county and its towns together."""
    known = dict(AdminArea.objects.values_list("code", "id"))
    in_file = {r["code"] for r in rows}
    errors = []
    for number, row in enumerate(rows, start=1):
        parent = row.get("parent_code") or ""
        if parent and parent not in known and parent not in in_file:
            errors.append(RowError(number, "parent_code", f"unknown parent area {parent!r}"))
    if errors:
        raise ImportFailed(errors)
    created = updated = 0
    for length in sorted({len(r["code"]) for r in rows}):
        batch = [r for r in rows if len(r["code"]) == length]
        values = (
            (
                r["code"],
                r["name"],
                _area_level(r["code"]),
                known.get(r.get("parent_code") or ""),
                _ewkb(r["geom"]),
            )
            for r in batch
        )
        c, u, _ids = upsert(
            "layers_adminarea",
            key=["code"],
            columns=["code", "name", "level", "parent_id", "geom"],
            rows=values,
            on_update={"updated_at": "now()"},
            insert_extra={"updated_at": "now()"},
        )
        created, updated = created + c, updated + u
        known = dict(AdminArea.objects.values_list("code", "id"))
    return created, updated

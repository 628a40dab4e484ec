"""import_layer: a GeoPackage, GeoJSON or zipped Shapefile into one layer, all or nothing."""

from __future__ import annotations

from pathlib import Path

import psycopg
import shapely
from django.conf import settings
from django.db import DatabaseError, transaction

from dataio.importing.cad import dxf_read
from dataio.importing.delivery import (
    COORDINATE_TARGETS,
    Mapping,
    columns_rename,
    mapping_parse,
    mapping_read,
    multipart_explode,
    values_translate,
)
from dataio.importing.errors import ImportFailed, ImportReport, Progress, RowError
from dataio.importing.extent import outside_county, srid_suggest
from dataio.importing.files import CAD_SUFFIXES, check_size, read_vector
from dataio.importing.layer_write import WriteOptions, layer_write
from dataio.importing.lock import import_lock
from dataio.importing.rows import rows_parse
from dataio.importing.upsert import upsert
from layers.geometry import ALLOWED_SRIDS, STORAGE_SRID, GeometryError, check_srid, srid_from_crs
from layers.models import AdminArea
from layers.registry import layer_spec
from layers.services.membership import membership_refresh

# Files whose coordinate system is not in the file (a CSV's is taken as EPSG:4326).
_NO_CRS = {".csv", ".xlsx", ".dxf"}


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
    clear_blanks: bool = False,
    retire_missing: bool = False,
    mapping: Path | Mapping | dict | None = None,
    user=None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a layer file into `slug`; raise ImportFailed listing every bad row.

    srid: EPSG code of the file's coordinates when its own CRS is missing or wrong
    (allow-listed codes only). gcj02: the lon/lat coordinates are GCJ-02 (Chinese web maps)
    and are converted to WGS84. Codes are natural keys: re-importing a file changes nothing.
    Update mode: columns the file leaves out keep their stored values; an empty cell over a
    stored value is refused unless clear_blanks (and the field may be blank). retire_missing:
    the file is the whole layer, features absent from it are retired. mapping: a source's
    own names (dataio/importing/delivery.py): a JSON file, its parsed dict (a saved
    ImportMapping's) or a Mapping; its srid and encoding apply when none is given; a DXF
    drawing needs one with CAD rules for slug (dataio/importing/cad.py). user: who imports
    (the network history names them). A dry run validates, compares and writes inside a
    transaction that is rolled back; its report lists every feature's change.
    """
    try:
        spec = layer_spec(slug)
    except KeyError as exc:
        raise ImportFailed([RowError(0, "", str(exc.args[0]))]) from None
    progress = progress or (lambda step, done, total: None)
    check_size(path, settings.IMPORT_MAX_FILE_BYTES)
    own_names = _mapping(mapping, spec.attr_names)
    encoding = encoding or own_names.encoding
    progress(f"{slug}: read", 0, 0)
    delivered: list[str] = []
    if path.suffix.lower() in CAD_SUFFIXES:
        table, delivered = dxf_read(
            path,
            slug=slug,
            geometry_type=spec.geometry_type,
            mapping=own_names,
            encoding=encoding,
        )
        if not (srid or own_names.srid):
            raise ImportFailed([RowError(0, "geometry", _no_crs(spec.geometry_type, table))])
    else:
        table = read_vector(
            path,
            expected=spec.attr_names,
            encoding=encoding,
            max_unzipped=settings.IMPORT_MAX_UNZIPPED_BYTES,
            headers={c: a for c, a in own_names.columns.items() if a in COORDINATE_TARGETS},
        )
    # The mapping's coordinate system stands for a file without one of its own (a drawing,
    # a spreadsheet's or CSV's x/y columns); --srid overrides any.
    if not srid and own_names.srid and (table.crs is None or path.suffix.lower() in _NO_CRS):
        srid = own_names.srid
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
    delivered += columns_rename(table, spec.attr_names, own_names)
    delivered += values_translate(table, own_names)
    delivered += multipart_explode(table, spec.geometry_type)
    missing = [a.name for a in spec.attrs if a.required and a.name not in table.columns]
    if "code" in missing or (missing and spec.slug == "towns"):
        raise ImportFailed([RowError(0, name, "required column is missing") for name in missing])

    rows = rows_parse(spec, table, src_srid, gcj02, progress)
    if spec.slug != "towns":
        progress(f"{slug}: extent", 0, 0)
        outside = outside_county(spec.geometry_type, rows.geoms, table.geometries, src_srid)
        if outside:
            raise ImportFailed(outside)
    report = ImportReport(target=slug, rows=len(rows), dry_run=dry_run)
    report.notes += delivered
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
            progress(f"{slug}: write", 0, len(rows))
            import_lock(slug)
            if spec.slug == "towns":
                report.created, report.updated = _write_areas(rows.dicts())
                if report.created or report.updated:
                    membership_refresh()
            else:
                options = WriteOptions(
                    present=frozenset(a for a in spec.attr_names if a in table.columns),
                    clear_blanks=clear_blanks,
                    retire_missing=retire_missing,
                    user=user,
                )
                layer_write(spec, rows, options, report)
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    except (
        DatabaseError,
        psycopg.Error,
    ) as exc:  # a database guarantee caught what validation did not
        raise ImportFailed([RowError(0, "", f"refused by the database: {exc}")]) from None
    progress(f"{slug}: write", len(rows), len(rows))
    return report


def _mapping(mapping: Path | Mapping | dict | None, attr_names: list[str]) -> Mapping:
    if isinstance(mapping, Mapping):
        return mapping
    if isinstance(mapping, dict):
        # A drawing's mapping names the attributes of each of its layers: any layer's go.
        return mapping_parse(mapping, None if mapping.get("cad") else attr_names)
    return mapping_read(mapping, attr_names)


def _no_crs(geometry_type: str, table) -> str:
    """The refusal of a drawing without a coordinate system, with the allow-listed code that
    would put it inside the county when one does."""
    reason = (
        "a DXF drawing carries no coordinate system: choose the one it was drawn in "
        "(--srid, or the mapping's srid; Lianzhou: EPSG:4546 without the zone prefix 37, "
        "EPSG:4525 with it)"
    )
    hint = srid_suggest(geometry_type, table.geometries)
    if hint is not None:
        reason += f"; its coordinates lie inside the county as EPSG:{hint} ({ALLOWED_SRIDS[hint]})"
    return reason


def _ewkb(geom) -> str:
    return shapely.to_wkb(shapely.set_srid(geom, STORAGE_SRID), hex=True, include_srid=True)


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

"""The rows of a layer file parsed and validated column by column, every bad cell reported."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon

from dataio.importing.errors import ImportFailed, Progress, RowError
from dataio.importing.files import VectorTable
from layers.geometry import (
    STORAGE_SRID,
    gcj02_to_wgs84,
    lonlat_in_range,
    reproject,
    validation_problem,
)
from layers.registry import Attr, LayerSpec

_NAN = object()  # one cache key for every NaN (NaN != NaN defeats a dict lookup)
# Multi-polygons are accepted for Polygon layers (a town may have exclaves), as
# geometry.validation_problem says.
_ALSO_ACCEPTED = {"Polygon": ("MultiPolygon",)}


@dataclass
class ParsedRows:
    """The valid rows of a layer file, by column: attribute name → values in row order, and
    the geometries in STORAGE_SRID (polygons as multi-polygons for Polygon layers)."""

    columns: dict[str, list]
    geoms: np.ndarray

    def __len__(self) -> int:
        return len(self.geoms)

    def dicts(self) -> list[dict]:
        """Each row as {attribute: value, "geom": geometry}."""
        names = [*self.columns, "geom"]
        return [
            dict(zip(names, values, strict=True))
            for values in zip(*self.columns.values(), self.geoms, strict=True)
        ]


def rows_parse(
    spec: LayerSpec,
    table: VectorTable,
    src_srid: int,
    gcj02: bool,
    progress: Progress | None = None,
) -> ParsedRows:
    """The rows of `table`: every attribute of the layer (None or "" where the file has no
    such column) and the geometry in STORAGE_SRID.

    src_srid: EPSG code of the file's coordinates; gcj02: lon/lat in GCJ-02, converted to
    WGS84. Raises ImportFailed listing every bad cell (row, column, reason) in row order.
    Attributes are parsed once per distinct value of a column; geometries are transformed and
    checked as arrays, and only the rows the array checks flag go through the per-row checks
    that word the reason (the same words as a row-by-row validation).
    """
    total = len(table)
    stage = f"{spec.slug}: validate"
    if progress:
        progress(stage, 0, total)
    # (row, position of the column in the file's attribute order, error): sorted at the end
    # so the report reads row by row, as a row-by-row validation would list it.
    errors: list[tuple[int, int, RowError]] = []
    columns: dict[str, list] = {}
    for position, attr in enumerate(spec.attrs):
        if attr.name not in table.columns:
            # A column the file leaves out: nothing to parse (an update keeps the stored
            # values; a new feature without a required one is refused by the writer).
            columns[attr.name] = [None] * total
            continue
        values, bad = _column_parse(attr, table.columns.get(attr.name), total)
        columns[attr.name] = values
        errors += [(i, position, RowError(i + 1, attr.name, reason)) for i, reason in bad]
    geoms, problems = _geometries(table.geometries, spec.geometry_type, src_srid, gcj02)
    geometry_at = len(spec.attrs)
    errors += [(i, geometry_at, RowError(i + 1, "geometry", p)) for i, p in problems.items()]
    codes = columns.get("code")
    if codes is not None:
        seen: dict[str, int] = {}
        for i, code in enumerate(codes):
            if not code:
                continue
            if code in seen:
                reason = f"duplicate code {code!r} (also row {seen[code]})"
                errors.append((i, geometry_at + 1, RowError(i + 1, "code", reason)))
            seen[code] = i + 1
    if progress:
        progress(stage, total, total)
    if errors:
        errors.sort(key=lambda e: (e[0], e[1]))
        raise ImportFailed([e[2] for e in errors])
    return ParsedRows(columns, geoms)


def _column_parse(attr: Attr, column: np.ndarray | None, total: int) -> tuple[list, list]:
    """The parsed values of one column and its bad cells [(row index, reason)].

    Attr.parse is a pure function of the cell, so each distinct cell value is parsed once
    (a 200,000-row file holds a few dozen materials, diameters and years).
    """
    if column is not None and column.dtype.kind in "biuf":
        # Numbers: the distinct values in C (NaNs count as one), each parsed once.
        distinct, inverse = np.unique(column, return_inverse=True)
        outcomes = [_outcome(attr, raw) for raw in distinct.tolist()]
        parsed = np.empty(len(outcomes), dtype=object)
        parsed[:] = [value if ok else None for ok, value in outcomes]
        refused = [k for k, (ok, _value) in enumerate(outcomes) if not ok]
        bad_rows = np.flatnonzero(np.isin(inverse, refused)).tolist() if refused else []
        return parsed[inverse].tolist(), [(i, outcomes[inverse[i]][1]) for i in bad_rows]
    if column is None:
        raw_values: list = [None] * total
    elif column.dtype == object:
        raw_values = [v.item() if hasattr(v, "item") else v for v in column]
    else:
        raw_values = column.tolist()  # numpy scalars to Python ones, as .item() does
    values: list = [None] * total
    bad: list[tuple[int, str]] = []
    cache: dict = {}
    for i, raw in enumerate(raw_values):
        key = _NAN if isinstance(raw, float) and raw != raw else (raw.__class__, raw)
        try:
            outcome = cache.get(key)
        except TypeError:  # an unhashable cell (a list from a GeoJSON property): no cache
            key, outcome = None, None
        if outcome is None:
            outcome = _outcome(attr, raw)
            if key is not None:
                cache[key] = outcome
        ok, value = outcome
        if ok:
            values[i] = value
        else:
            bad.append((i, value))
    return values, bad


def _outcome(attr: Attr, raw: object) -> tuple[bool, object]:
    """(True, parsed value) or (False, the reason it is refused)."""
    try:
        return True, attr.parse(raw)
    except (ValueError, TypeError) as exc:
        return False, str(exc)


def _geometries(
    wkb: np.ndarray, expected: str, src_srid: int, gcj02: bool
) -> tuple[np.ndarray, dict[int, str]]:
    """The file's geometries in STORAGE_SRID (2D; polygons as multi-polygons for Polygon
    layers) and the problem of each bad one {row index: reason}."""
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    # Copying every geometry costs as much as reading it: only when some carry Z or M.
    if (shapely.has_z(geoms) | shapely.has_m(geoms)).any():
        geoms = shapely.force_2d(geoms)
    try:
        geoms = reproject(geoms, src_srid, STORAGE_SRID)
        if gcj02:
            geoms = gcj02_to_wgs84(geoms)
    except Exception:  # PROJ refused some row: find which, one row at a time
        return _geometries_by_row(geoms, expected, src_srid, gcj02)
    flagged = np.flatnonzero(_suspect(geoms, expected))
    problems = {}
    for i in flagged.tolist():
        problem = _problem(geoms[i], expected, src_srid)
        if problem:
            problems[int(i)] = problem
    return _multi(geoms, expected), problems


def _suspect(geoms: np.ndarray, expected: str) -> np.ndarray:
    """True for each geometry a row-by-row check could refuse: missing, empty, non-finite or
    out-of-range coordinates, another type, invalid, or a zero-length line."""
    suspect = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    x, y = coords[:, 0], coords[:, 1]
    with np.errstate(invalid="ignore"):
        fine = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    suspect[np.unique(index[~fine])] = True
    accepted = [
        shapely.GeometryType[name.upper()] for name in (expected, *_ALSO_ACCEPTED.get(expected, ()))
    ]
    suspect |= ~np.isin(shapely.get_type_id(geoms), accepted)
    suspect |= ~shapely.is_valid(geoms)
    if expected == "LineString":
        suspect |= shapely.length(geoms) == 0
    return suspect


def _problem(geom, expected: str, src_srid: int) -> str | None:
    if geom is None:
        return "missing or unreadable geometry"
    problem = validation_problem(geom, expected)
    if problem is None and not lonlat_in_range(geom):
        problem = f"coordinates out of lon/lat range after transforming from EPSG:{src_srid}"
    return problem


def _geometries_by_row(
    geoms: np.ndarray, expected: str, src_srid: int, gcj02: bool
) -> tuple[np.ndarray, dict[int, str]]:
    out = np.empty(len(geoms), dtype=object)
    problems: dict[int, str] = {}
    for i, geom in enumerate(geoms):
        problem = None
        if geom is not None:
            try:
                geom = reproject(geom, src_srid, STORAGE_SRID)
            except Exception as exc:  # PROJ errors on absurd coordinates
                problem = f"cannot transform from EPSG:{src_srid}: {exc}"
            else:
                if gcj02:
                    geom = gcj02_to_wgs84(geom)
        problem = problem or _problem(geom, expected, src_srid)
        if problem:
            problems[i] = problem
        out[i] = geom
    return _multi(out, expected), problems


def _multi(geoms: np.ndarray, expected: str) -> np.ndarray:
    if expected == "Polygon":
        polygons = shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON
        for i in np.flatnonzero(polygons).tolist():
            geoms[i] = MultiPolygon([geoms[i]])
    return geoms

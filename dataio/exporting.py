"""export_layer: a layer to GeoPackage, GeoJSON, zipped Shapefile or CSV (WKT), re-importable."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from django.contrib.gis.db.models.functions import AsWKB
from django.db.models import F

from layers.extensions import FeatureQuery, feature_annotators
from layers.geometry import STORAGE_SRID, reproject
from layers.registry import LayerSpec, layer_spec
from layers.spreadsheet_cells import csv_row

FORMATS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".zip": "ESRI Shapefile",
    ".csv": "CSV",
}


class ExportError(ValueError):
    """The export cannot be written (unknown layer or format)."""


# Columns a verdict export adds after the layer's own (re-imports ignore them, with a note).
VERDICT_COLUMNS = ("verdict_year", "verdict", "failing")
# Coordinate systems an export may be written in (GeoJSON: WGS 84 only, RFC 7946).
EXPORT_SRIDS = (4326, 4490, 4546)


def _rows(spec: LayerSpec, verdicts_year: int | None) -> tuple[list[str], list[dict], list]:
    names = spec.attr_names
    paths = {n: (F("parent__code") if n == "parent_code" else F(n)) for n in names}
    qs = spec.queryset().order_by("code")
    extra = []
    if verdicts_year is not None:
        for annotate in feature_annotators():  # the layers API's own verdicts (compliance)
            qs, added = annotate(qs, spec.slug, FeatureQuery(year=verdicts_year))
            extra += added
    qs = qs.annotate(wkb=AsWKB("geom"), **{f"_{n}": p for n, p in paths.items()})
    records = list(qs.values("wkb", *(f"_{n}" for n in names), *extra))
    geoms = [shapely.from_wkb(bytes(r["wkb"])) for r in records]
    rows = [{n: r[f"_{n}"] for n in names} for r in records]
    if verdicts_year is not None:
        for row, record in zip(rows, records, strict=True):
            row.update(_verdict_columns(record.get("compliance") or {}, verdicts_year))
        names = [*names, *VERDICT_COLUMNS]
    return names, rows, geoms


def _verdict_columns(compliance: dict, year: int) -> dict:
    """A feature's overall verdict of `year` and the names of the indicators it fails."""
    failing = [
        r["name"]
        for r in compliance.get("results", [])
        if r.get("status") == "non_compliant" and r.get("kind") != "bonus"
    ]
    return {
        "verdict_year": year,
        "verdict": compliance.get("status", "no_data"),
        "failing": "; ".join(failing),
    }


def _column(spec: LayerSpec, name: str, rows: list[dict]) -> tuple[np.ndarray, np.ndarray | None]:
    kind = next((a.kind for a in spec.attrs if a.name == name), "str")
    if name == "verdict_year":
        kind = "int"
    values = [r[name] for r in rows]
    mask = np.array([v is None or v == "" for v in values], dtype=bool)
    if kind == "int":
        return np.array([0 if v is None else v for v in values], dtype=np.int64), mask
    if kind == "float":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64), mask
    out = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    return np.array(out, dtype=object), None


def layer_export(
    *, slug: str, path: Path, srid: int = STORAGE_SRID, verdicts_year: int | None = None
) -> int:
    """Write every feature of `slug` to `path` (format from its suffix); return the count.

    Coordinates in `srid` (EPSG:4326 lon/lat by default; CGCS2000 or its Gauss-Krüger CM 111E
    zone on request; GeoJSON is always WGS 84); attribute names are the import attributes, so
    the file imports back unchanged (Shapefile names cut to 10 characters are restored on
    import). verdicts_year adds each feature's verdict of that year (VERDICT_COLUMNS).
    """
    try:
        spec = layer_spec(slug)
    except KeyError as exc:
        raise ExportError(exc.args[0]) from None
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"unsupported format {suffix!r}; use {', '.join(FORMATS)}")
    if srid not in EXPORT_SRIDS:
        raise ExportError(f"EPSG:{srid} is not offered; use one of {EXPORT_SRIDS}")
    if srid != STORAGE_SRID and FORMATS[suffix] == "GeoJSON":
        raise ExportError("GeoJSON is always WGS 84 (RFC 7946); choose another format")
    names, rows, geoms = _rows(spec, verdicts_year)
    if srid != STORAGE_SRID:
        geoms = list(reproject(np.array(geoms, dtype=object), STORAGE_SRID, srid))
    if suffix == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(csv_row([*names, "wkt"]))
            for row, geom in zip(rows, geoms, strict=True):
                # text that a spreadsheet would run as a formula is neutralised (csv_row)
                values = ("" if row[n] is None else row[n] for n in names)
                writer.writerow(csv_row([*values, geom.wkt]))
        return len(rows)
    columns = [_column(spec, n, rows) for n in names]
    kwargs = {
        "geometry": np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
        "field_data": [c for c, _m in columns],
        "fields": names,
        "field_mask": [m for _c, m in columns],
        "crs": f"EPSG:{srid}",
        "geometry_type": "MultiPolygon" if spec.geometry_type == "Polygon" else spec.geometry_type,
        "driver": FORMATS[suffix],
    }
    if suffix != ".zip":
        path.unlink(missing_ok=True)
        if FORMATS[suffix] == "GeoJSON":  # counter-clockwise rings, no crs member, 7 decimals
            kwargs["layer_options"] = {"RFC7946": "YES"}
        pyogrio.raw.write(path, layer=slug.replace("-", "_"), **kwargs)
        return len(rows)
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{slug.replace('-', '_')}.shp"
        pyogrio.raw.write(shp, encoding="UTF-8", **kwargs)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(tmp).iterdir()):
                archive.write(part, part.name)
    return len(rows)

"""import_raster: a user's GeoTIFF checked, copied under MEDIA_ROOT/rasters and registered.

Refusals name the reason and store nothing (no file, no row): an unreadable file, one that is
not a GeoTIFF, too large, not georeferenced, rotated, in a CRS that is not an allow-listed EPSG
code, outside the county, or without a single data cell. A raster is seen by every reader
whose area it reaches (clipped to it: rasters.selectors), so a user limited to an area may
import or replace only a raster that reaches no county outside it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import rasterio
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from shapely.geometry import box

from dataio.importing.errors import ImportFailed, ImportReport, Progress, RowError
from layers.geometry import STORAGE_SRID, GeometryError, lonlat_in_range, reproject, srid_from_crs
from layers.models import AdminArea
from layers.scope import current_scope
from layers.styles import styles_dir
from layers.styles_raster import RasterStyleError, raster_style_for
from layers.text_rules import TextRefused, text_checked
from rasters.models import RasterLayer
from rasters.raster import band_statistics

RASTER_SUBDIR = "rasters"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
KINDS = tuple(RasterLayer.Kind.values)


# The terrain raster: importing it refills the pipe nodes' elevations.
ELEVATION_RASTER = "elevation"


def _fail(reason: str, column: str = "file") -> ImportFailed:
    return ImportFailed([RowError(0, column, reason)])


def raster_root() -> Path:
    """MEDIA_ROOT/rasters, where registered GeoTIFFs are kept."""
    return Path(settings.MEDIA_ROOT) / RASTER_SUBDIR


class RasterFileMissing(Exception):
    """A registered raster layer's GeoTIFF is not on disk (deleted or moved under MEDIA_ROOT).

    Reads that sample the raster answer 503 "raster_file_missing" (layers/api_errors.py) and
    irrigation verdicts that need it are no_data, saying so; re-importing the file mends it.
    """

    code = "raster_file_missing"

    def __init__(self, layer: RasterLayer):
        self.slug = layer.slug
        super().__init__(f"raster {layer.slug}: file {layer.path} is missing")

    @property
    def message(self) -> str:
        """The translated message for users."""
        return _(
            "The file of raster layer %(slug)s is missing on the server; "
            "an administrator must re-import it."
        ) % {"slug": self.slug}


def raster_path(layer: RasterLayer) -> Path:
    """The GeoTIFF of a registered raster layer; RasterFileMissing when it is not on disk."""
    path = Path(settings.MEDIA_ROOT) / layer.path
    if not path.is_file():
        raise RasterFileMissing(layer)
    return path


def _inspect(path: Path) -> dict:
    """What the file is, or ImportFailed saying why it cannot be a raster layer."""
    try:
        with warnings.catch_warnings():  # a file without georeferencing is refused below
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            src = rasterio.open(path)
    except (RasterioError, OSError) as exc:
        raise _fail(_("the file is not readable as a raster: %(error)s") % {"error": exc}) from None
    with src:
        if src.driver != "GTiff":
            raise _fail(_("the file is %(driver)s, not a GeoTIFF") % {"driver": src.driver})
        pixels = src.width * src.height
        if pixels > settings.RASTER_MAX_PIXELS:
            raise _fail(
                _("the raster has %(pixels)s cells, more than the limit of %(limit)s")
                % {"pixels": f"{pixels:,}", "limit": f"{settings.RASTER_MAX_PIXELS:,}"}
            )
        if src.crs is None or src.transform.is_identity:
            raise _fail(
                _(
                    "the raster is not georeferenced "
                    "(it needs a coordinate system and a geotransform)"
                )
            )
        t = src.transform
        if t.b != 0 or t.d != 0:
            raise _fail(_("the raster is rotated or sheared; warp it north-up first"))
        try:
            # Identified against PROJ's database only; GDAL later sees just this EPSG code.
            srid = srid_from_crs(src.crs.to_wkt())
        except GeometryError as exc:
            raise _fail(str(exc), "crs") from None
        dtype = src.dtypes[0]
        if not np.issubdtype(np.dtype(dtype), np.number) or np.issubdtype(
            np.dtype(dtype), np.complexfloating
        ):
            raise _fail(_("band 1 holds %(dtype)s values, not numbers") % {"dtype": dtype})
        return {
            "srid": srid,
            "width": src.width,
            "height": src.height,
            "count": src.count,
            "transform": list(t)[:6],
            "bounds": list(src.bounds),
            "resolution": [abs(t.a), abs(t.e)],
            "dtype": dtype,
            "nodata": None if src.nodata is None else float(src.nodata),
        }


def _footprint(info: dict):
    """The raster's footprint as a lon/lat polygon (edges densified before reprojecting)."""
    west, south, east, north = info["bounds"]
    outline = shapely.segmentize(
        box(west, south, east, north), max(east - west, north - south) / 64
    )
    try:
        lonlat = reproject(outline, info["srid"], STORAGE_SRID)
    except Exception as exc:  # PROJ errors on coordinates absurd for the CRS
        raise _fail(
            _("the raster's corners cannot be placed on the map: %(error)s") % {"error": exc}
        ) from None
    if not lonlat.is_valid or not lonlat_in_range(lonlat):
        raise _fail(_("the raster's corners are outside lon/lat range in its coordinate system"))
    return lonlat


def _check_overlap(extent_4326) -> None:
    counties = AdminArea.objects.filter(level=AdminArea.Level.COUNTY)
    if not counties.exists():
        raise _fail(_("no county boundary is loaded; import the county (towns layer) first"))
    geos = GEOSGeometry(extent_4326.wkt, srid=STORAGE_SRID)
    if not counties.filter(geom__intersects=geos).exists():
        w, s, e, n = extent_4326.bounds
        raise _fail(
            _(
                "the raster does not overlap the county boundary "
                "(it covers lon %(w).3f–%(e).3f, lat %(s).3f–%(n).3f)"
            )
            % {"w": w, "e": e, "s": s, "n": n}
        )


def _check_reach(extent_4326, previous: RasterLayer | None) -> None:
    """Refuse a restricted importer's raster (or the one it replaces) that reaches a county
    outside their area: its readers there would see it change."""
    scope = current_scope()
    if not scope.restricted:
        return
    counties = AdminArea._base_manager.filter(level=AdminArea.Level.COUNTY)
    reached = set(
        counties.filter(
            geom__intersects=GEOSGeometry(extent_4326.wkt, srid=STORAGE_SRID)
        ).values_list("id", flat=True)
    )
    if previous is not None:
        reached |= set(
            counties.filter(geom__intersects=previous.extent).values_list("id", flat=True)
        )
    if not reached <= scope.counties:
        raise _fail(
            _(
                "the raster reaches counties outside your area (or replaces one that does): "
                "an administrator of all of them must import it"
            )
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def raster_import(
    *,
    slug: str,
    path: Path,
    title: str | None = None,
    title_en: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
    source: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check a GeoTIFF and register it as raster layer `slug` (replacing an earlier import).

    Kind, unit and titles default to the style file styles/raster-<slug>.json; a raster
    without one is continuous unless told otherwise. Raises ImportFailed, having stored
    nothing, when the file is refused. Bumps the raster's data_version and the `rasters`
    data version (irrigation verdicts depend on it). A new terrain raster (ELEVATION_RASTER)
    refills the pipe nodes' elevations in the same transaction.
    """
    progress = progress or (lambda step, done, total: None)
    path = Path(path)
    if not SLUG.match(slug or ""):
        raise _fail(_("the slug must be lower-case letters, digits and '-' (at most 32)"), "slug")
    if kind is not None and kind not in KINDS:
        raise _fail(_("kind must be one of %(kinds)s") % {"kinds": ", ".join(KINDS)}, "kind")
    texts = {"title": title, "title_en": title_en, "unit": unit, "source": source}
    for column, text in texts.items():
        try:
            text_checked(text or "")
        except TextRefused as exc:
            raise _fail(str(exc), column) from None
    if not path.is_file():
        raise _fail(_("no such file: %(path)s") % {"path": path})
    size = path.stat().st_size
    if size > settings.RASTER_MAX_BYTES:
        raise _fail(
            _("the file is %(size).1f MB, more than the limit of %(limit).0f MB")
            % {"size": size / 1e6, "limit": settings.RASTER_MAX_BYTES / 1e6}
        )
    try:
        style = raster_style_for(slug, styles_dir())
    except RasterStyleError as exc:
        raise _fail(str(exc), "style") from None
    kind = kind or (style or {}).get("kind") or RasterLayer.Kind.CONTINUOUS
    if style and style["kind"] != kind:
        raise _fail(
            _("kind %(kind)s contradicts the style file, which says %(style)s")
            % {"kind": kind, "style": style["kind"]},
            "kind",
        )
    progress(f"{slug}: inspect", 0, 3)
    info = _inspect(path)
    categorical = kind == RasterLayer.Kind.CATEGORICAL
    if categorical and not np.issubdtype(np.dtype(info["dtype"]), np.integer):
        raise _fail(_("a categorical raster must hold whole numbers (class values)"), "kind")
    extent = _footprint(info)
    _check_overlap(extent)
    progress(f"{slug}: statistics", 1, 3)
    statistics = band_statistics(path, categorical=categorical)
    if not statistics["cells"]:
        raise _fail(_("every cell of the raster is nodata"))

    previous = RasterLayer.objects.filter(slug=slug).first()
    _check_reach(extent, previous)
    sha = _sha256(path)
    described = {
        "title_zh": title or (style or {}).get("title_zh") or slug,
        "title_en": title_en or title or (style or {}).get("title_en") or slug,
        "unit": unit if unit is not None else (style or {}).get("unit", ""),
        "kind": kind,
        "source": source,
    }
    report = ImportReport(target=f"raster {slug}", rows=1, dry_run=dry_run)
    report.created, report.updated = (0, 1) if previous else (1, 0)
    if (
        previous
        and previous.sha256 == sha
        and all(getattr(previous, k) == v for k, v in described.items())
    ):
        report.updated = 0  # the same file, described the same: nothing changes
        return report
    report.notes.append(
        _("EPSG:%(srid)s, %(width)s × %(height)s cells of %(x)s × %(y)s")
        % {
            "srid": info["srid"],
            "width": info["width"],
            "height": info["height"],
            "x": f"{info['resolution'][0]:g}",
            "y": f"{info['resolution'][1]:g}",
        }
    )
    if info["count"] > 1:
        report.notes.append(_("%(n)d bands: only band 1 is used") % {"n": info["count"]})
    if dry_run:
        return report

    progress(f"{slug}: store", 2, 3)
    root = raster_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{slug}-{sha[:16]}.tif"
    existed = target.exists()
    if not existed:
        with tempfile.NamedTemporaryFile(dir=root, suffix=".part", delete=False) as tmp:
            with path.open("rb") as fh:
                shutil.copyfileobj(fh, tmp)
        os.chmod(tmp.name, 0o644)  # readable by the web server like any media file
        os.replace(tmp.name, target)  # atomic: readers never see half a file
    values = {
        "slug": slug,
        **described,
        "path": str(target.relative_to(settings.MEDIA_ROOT)),
        "extent": GEOSGeometry(extent.wkt, srid=STORAGE_SRID),
        "statistics": statistics,
        "file_bytes": size,
        "sha256": sha,
        **{k: info[k] for k in ("srid", "width", "height", "transform", "bounds", "resolution")},
        "dtype": info["dtype"],
        "nodata": info["nodata"],
    }
    try:
        with transaction.atomic():
            layer = RasterLayer.objects.select_for_update().filter(slug=slug).first()
            if layer is None:
                layer = RasterLayer(**values, data_version=1)
            else:
                for name, value in values.items():
                    setattr(layer, name, value)
                layer.data_version += 1
            layer.full_clean()
            layer.save()
            if slug == ELEVATION_RASTER:
                from rasters.services import pipe_nodes_sample_elevation  # imports this module

                changed = pipe_nodes_sample_elevation()
                report.notes.append(_("pipe nodes whose elevation changed: %(n)d") % {"n": changed})
    except ValidationError as exc:
        if not existed:
            target.unlink(missing_ok=True)
        raise ImportFailed(
            [RowError(0, field, str(m)) for field, ms in exc.message_dict.items() for m in ms]
        ) from None
    except Exception:
        if not existed:
            target.unlink(missing_ok=True)
        raise
    old = Path(settings.MEDIA_ROOT) / previous.path if previous else None
    if old is not None and old != target:
        transaction.on_commit(lambda: old.unlink(missing_ok=True))
    progress(f"{slug}: store", 3, 3)
    return report

"""Mapbox vector tiles of the large layers: tile math, one ST_AsMVT query per tile, caching.

Tiles follow the XYZ scheme of Web Mercator (EPSG:3857, y counted down from the north);
features are stored in EPSG:4326 with a GiST index, so each query transforms the tile envelope
to 4326 for the `&&` filter, never the rows. Tiles are cached with Django's cache framework,
keyed on the data versions (`current_layer_versions()`, read from the database once per
request), so a write is visible on the next request in every worker process; a warm tile
makes that one query and the session's.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

from layers.extensions import tile_status_sql
from layers.models import PipeNode, PipeSegment, WaterUser
from layers.services.versions import current_layer_versions

MAX_ZOOM = 22
EXTENT = 4096  # tile coordinates per tile side (MVT default)
BUFFER = 64  # tile coordinates kept around the tile, so lines and symbols join seamlessly
# Lines are simplified to half a screen pixel of a 256-pixel tile: invisible, and far fewer
# vertices at low zoom (pipes shorter than that collapse and are skipped).
SIMPLIFY_PIXELS = 0.5
SCREEN_TILE_PIXELS = 256
# Half the width of the Web Mercator square (EPSG:3857), metres.
MERCATOR_HALF_WIDTH_M = 20037508.342789244
MERCATOR_RADIUS_M = 6378137.0
# Bump when the tile content or key changes shape, so a shared cache never serves old tiles.
FORMAT_VERSION = 2
CACHE_SECONDS = 24 * 3600
# A status expression for "the default year" is reused this long: the default year may move
# (a new year evaluated) without any data version changing. Matches the browser's max-age.
DEFAULT_YEAR_SECONDS = 60


@dataclass(frozen=True)
class TiledLayer:
    """How one layer becomes an MVT layer: table, geometry kind, attribute SQL over alias `t`."""

    model: type
    lines: bool
    attributes: tuple[str, ...]
    filters_abandoned: bool = False
    # (max zoom, SQL condition over `t`): below full detail, only what reads at that scale.
    generalise: tuple[tuple[int, str], ...] = ()

    def detail_filter(self, z: int) -> str:
        """The condition that thins the layer at zoom z ('' = everything)."""
        for max_zoom, condition in self.generalise:
            if z <= max_zoom:
                return f"AND {condition}"
        return ""


TILED_LAYERS: dict[str, TiledLayer] = {
    "pipes": TiledLayer(
        PipeSegment,
        lines=True,
        attributes=(
            "t.diameter_mm",
            "t.material",
            "t.status AS pipe_status",
            "t.install_year",
            "t.version",
        ),
        filters_abandoned=True,
        # A county-wide view shows the mains; distribution pipes appear as one zooms in (at
        # z12 a 25 m street pipe is under 3 pixels long). Keeps low-zoom tiles small.
        generalise=(
            (11, "t.diameter_mm >= 400"),
            (12, "t.diameter_mm >= 300"),
            (13, "t.diameter_mm >= 200"),
            (14, "t.diameter_mm >= 100"),
        ),
    ),
    "pipe-nodes": TiledLayer(
        PipeNode,
        lines=False,
        attributes=("t.kind",),
        # Junctions only close up; sources, plants and valves earlier.
        generalise=(
            (13, "t.kind IN ('source', 'plant')"),
            (14, "t.kind IN ('source', 'plant', 'valve', 'hydrant', 'meter')"),
        ),
    ),
    "water-users": TiledLayer(WaterUser, lines=False, attributes=("t.name", "t.sector")),
}


def tile_out_of_range(z: int, x: int, y: int) -> str | None:
    """The name of the first tile coordinate out of range ('z', 'x' or 'y'), else None."""
    if not 0 <= z <= MAX_ZOOM:
        return "z"
    if not 0 <= x < 2**z:
        return "x"
    if not 0 <= y < 2**z:
        return "y"
    return None


def tile_width_3857(z: int) -> float:
    """Width (= height) of a tile at zoom z, in EPSG:3857 metres."""
    return 2 * MERCATOR_HALF_WIDTH_M / 2**z


def simplify_tolerance_3857(z: int) -> float:
    """ST_Simplify tolerance for lines at zoom z, in EPSG:3857 metres (half a screen pixel)."""
    return tile_width_3857(z) / SCREEN_TILE_PIXELS * SIMPLIFY_PIXELS


def lonlat_to_3857(lon: float, lat: float) -> tuple[float, float]:
    """EPSG:4326 lon/lat in degrees → EPSG:3857 x/y in metres (spherical Mercator)."""
    x = MERCATOR_RADIUS_M * math.radians(lon)
    y = MERCATOR_RADIUS_M * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return x, y


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile (x, y) at zoom z holding an EPSG:4326 lon/lat point (degrees)."""
    mx, my = lonlat_to_3857(lon, lat)
    width = tile_width_3857(z)
    x = int((mx + MERCATOR_HALF_WIDTH_M) // width)
    y = int((MERCATOR_HALF_WIDTH_M - my) // width)
    return min(max(x, 0), 2**z - 1), min(max(y, 0), 2**z - 1)


def tile_sql(
    slug: str,
    z: int,
    x: int,
    y: int,
    *,
    include_abandoned: bool,
    status_sql: str,
    status_params: list,
) -> tuple[str, list]:
    """The one query giving the tile as MVT bytes (empty when no feature falls in it).

    The filter `t.geom && ST_Transform(ST_TileEnvelope(...), 4326)` is a constant box in the
    column's own SRID, so PostgreSQL uses the GiST index; rows are transformed to 3857 only
    for output. No ORDER BY/LIMIT: it could make the planner walk the primary key instead.
    Rows whose geometry ST_AsMVTGeom drops (NULL: outside, or collapsed by simplification)
    are skipped by ST_AsMVT itself; filtering them in SQL would compute every geometry twice.
    """
    layer = TILED_LAYERS[slug]
    table = connection.ops.quote_name(layer.model._meta.db_table)
    margin = BUFFER / EXTENT
    geom = "ST_Transform(t.geom, 3857)"
    simplify: list[float] = []
    if layer.lines:
        geom = f"ST_Simplify({geom}, %s)"
        simplify.append(simplify_tolerance_3857(z))
    where = layer.detail_filter(z)
    if layer.filters_abandoned and not include_abandoned:
        where += " AND t.status <> 'abandoned'"
    columns = ", ".join(("t.id", "t.code", *layer.attributes))
    # Table and column names come from the registry above; every value is a parameter.
    sql = (
        "SELECT ST_AsMVT(q, %s, %s, 'geom', 'mvt_id') FROM ("  # noqa: S608
        f"SELECT ST_AsMVTGeom({geom}, ST_TileEnvelope(%s, %s, %s), %s, %s, true) AS geom, "
        f"t.id AS mvt_id, {columns}, ({status_sql}) AS status "
        f"FROM {table} t "
        "WHERE t.geom && ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => %s), 4326) "
        f"{where}) q"
    )
    params = [slug, EXTENT, *simplify, z, x, y, EXTENT, BUFFER, *status_params, z, x, y, margin]
    return sql, params


def tile_build(
    slug: str,
    z: int,
    x: int,
    y: int,
    *,
    include_abandoned: bool,
    status_sql: str,
    status_params: list,
) -> bytes:
    """Run the tile query: MVT bytes, b"" when the tile holds no feature.

    (PostgreSQL's JIT is off for the app's connections, see DATABASES in settings: the tile
    functions are costed high, so low-zoom tiles crossed the JIT threshold and compiling took
    ~200 ms for a ~50 ms query.)
    """
    sql, params = tile_sql(
        slug,
        z,
        x,
        y,
        include_abandoned=include_abandoned,
        status_sql=status_sql,
        status_params=status_params,
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


@dataclass(frozen=True)
class TilePlan:
    """A tile request resolved against the current data versions: what to build, its key."""

    slug: str
    z: int
    x: int
    y: int
    include_abandoned: bool
    status_sql: str
    status_params: tuple
    cache_key: str
    etag: str


def _digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _status_expression(slug: str, year: int | None, versions_digest: str) -> tuple[str, list]:
    """tile_status_sql(), remembered per data version (no database on a warm tile)."""
    key = f"tiles:status:{FORMAT_VERSION}:{slug}:{year}:{versions_digest}"
    found = cache.get(key)
    if found is None:
        found = tile_status_sql(slug, year)
        timeout = DEFAULT_YEAR_SECONDS if year is None else CACHE_SECONDS
        cache.set(key, found, timeout=timeout)
    return found[0], list(found[1])


def tile_plan(
    slug: str, z: int, x: int, y: int, *, year: int | None, include_abandoned: bool
) -> TilePlan:
    """Resolve a tile address (XYZ, EPSG:3857) and options into its cache key and ETag.

    The key covers the slug, z/x/y, the all-flag, the status expression with its year, and
    a digest of every data version (so an edit or import anywhere, including compliance
    inputs, gives new keys). No query when the versions and status are cached.
    """
    layer = TILED_LAYERS[slug]
    include_abandoned = include_abandoned and layer.filters_abandoned
    versions_digest = _digest(current_layer_versions())
    status_sql, status_params = _status_expression(slug, year, versions_digest)
    identity = [FORMAT_VERSION, slug, z, x, y, include_abandoned, status_sql, status_params]
    digest = _digest([*identity, versions_digest])
    return TilePlan(
        slug=slug,
        z=z,
        x=x,
        y=y,
        include_abandoned=include_abandoned,
        status_sql=status_sql,
        status_params=tuple(status_params),
        cache_key=f"tiles:mvt:{slug}:{z}:{x}:{y}:{digest}",
        etag=f'"{digest}"',
    )


def tile_content(plan: TilePlan) -> bytes:
    """The tile's MVT bytes (b"" for an empty tile), from the cache or built and cached."""
    content = cache.get(plan.cache_key)
    if content is None:
        content = tile_build(
            plan.slug,
            plan.z,
            plan.x,
            plan.y,
            include_abandoned=plan.include_abandoned,
            status_sql=plan.status_sql,
            status_params=list(plan.status_params),
        )
        cache.set(plan.cache_key, content, timeout=CACHE_SECONDS)
    return content

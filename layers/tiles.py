"""Mapbox vector tiles of the large layers: tile math, one ST_AsMVT query per tile, caching.

Tiles follow the XYZ scheme of Web Mercator (EPSG:3857, y counted down from the north);
the large layers also keep a stored EPSG:3857 copy with its own GiST index, which the tile
query filters and clips directly. Tiles are cached (layers/tile_cache.py: each process's memory
in front of a table every process shares), keyed on the data versions
(`current_layer_versions()`, read with the session in one query), so a write is visible on the
next request in every worker process; a warm tile makes that one query.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import lru_cache, partial

from django.conf import settings
from django.contrib.gis.db.models.functions import Transform
from django.core.cache import cache
from django.db import connection
from django.db.models import F, Value
from django.db.models.expressions import RawSQL

from layers.extensions import tile_status
from layers.functions import WEB_MERCATOR_SRID, AsMVTGeom, Simplify, TileEnvelope
from layers.geometry import STORAGE_SRID
from layers.prepared import execute_prepared, prepared_cursor
from layers.registry import LAYERS
from layers.scope import current_scope
from layers.services.versions import current_layer_versions
from layers.spec import LayerSpec
from layers.tile_cache import (
    tile_cache_memory_get,
    tile_cache_remember,
    tile_cache_share,
    tile_cache_shared_or_build,
)

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
FORMAT_VERSION = 4
CACHE_SECONDS = 24 * 3600
# A status expression for "the default year" is reused this long: the default year may move
# (a new year evaluated) without any data version changing. Matches the browser's max-age.
DEFAULT_YEAR_SECONDS = 60


def tiled_layers() -> dict[str, LayerSpec]:
    """The layers served as vector tiles (their spec has a `tile`), in map order."""
    return {slug: spec for slug, spec in LAYERS.items() if spec.tile is not None}


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


# Values that stand for the tile address while a query shape is compiled once (tile_sql):
# impossible as real ones, so their places in the parameter list are found by equality.
_Z, _X, _Y, _TOLERANCE = -7_000_001, -7_000_002, -7_000_003, -7_000_004.5


def _rule_index(spec: LayerSpec, z: int) -> int:
    """Which generalisation rule applies at zoom z (len(rules): none)."""
    for index, rule in enumerate(spec.tile.generalise):
        if z <= rule.max_zoom:
            return index
    return len(spec.tile.generalise)


@lru_cache(maxsize=512)
def _tile_shape(
    slug: str,
    spec_id: int,
    rule_index: int,
    include_hidden: bool,
    year: int | None,
    scope_key: str,
) -> tuple[str, tuple]:
    """The tile query of one shape (layer, thinning rule, hidden rows, status year, area
    scope), compiled by the ORM once, with stand-ins for z, x, y and the simplification
    tolerance. scope_key (current_scope().key) keys the cache: the ORM puts the scope's filter
    into the query it compiles."""
    spec = LAYERS[slug]
    tile = spec.tile
    margin_box = TileEnvelope(_Z, _X, _Y, margin=BUFFER / EXTENT)
    if _stores_web_mercator(spec):
        # The stored EPSG:3857 copy (layers.models.base.web_mercator) and its GiST index:
        # no per-row transform, and a partial index can serve the low zooms' thinned rows.
        geom = F("geom_3857")
        qs = spec.queryset().order_by().filter(geom_3857__bboverlaps=margin_box)
    else:
        geom = Transform("geom", WEB_MERCATOR_SRID)
        box_4326 = Transform(margin_box, STORAGE_SRID)
        qs = spec.queryset().order_by().filter(geom__bboverlaps=box_4326)
    if spec.geometry_type == "LineString":
        geom = Simplify(geom, Value(_TOLERANCE))
    if rule_index < len(tile.generalise):
        rule = tile.generalise[rule_index]
        if rule.op == ">=" and isinstance(rule.value, int) and not isinstance(rule.value, bool):
            # A number of the spec, written into the statement: a prepared statement's generic
            # plan can then still prove the rule's partial index (`diameter_mm >= 200`), which
            # a parameter would hide.
            literal = RawSQL(str(int(rule.value)), [])  # noqa: S611 - an int of the spec
            qs = qs.filter(**{f"{rule.column}__gte": literal})
        else:
            lookup = "gte" if rule.op == ">=" else "in"
            qs = qs.filter(**{f"{rule.column}__{lookup}": rule.value})
    if tile.hidden is not None and not include_hidden:
        qs = qs.exclude(**{tile.hidden[0]: tile.hidden[1]})
    status = tile_status(slug, year)
    qs = qs.annotate(
        mvt_geom=AsMVTGeom(geom, TileEnvelope(_Z, _X, _Y), EXTENT, BUFFER), mvt_id=F("id")
    )
    keys = [status.column] if status and status.column not in ("id", *tile.columns) else []
    inner, params = qs.values(
        "mvt_geom", "mvt_id", "id", "code", *tile.columns, *keys
    ).query.sql_with_params()
    quote = connection.ops.quote_name
    key = f"i.{quote(status.column)}" if status else ""
    # The status relation (key, status): looked up by key through its index when it grows with
    # the counties (kept per feature); when small (a zone's verdicts), read once into a map
    # (an InitPlan) that each feature's key indexes. Unlike a join, the map does not depend on
    # the planner's guess of a tile's row count, which a prepared statement's generic plan
    # makes 1 (it then looked every pipe's zone verdict up through an index: 1.5x the time).
    join, status_params = "", ()
    if status is None:
        status_column = "NULL::text AS status"
    elif status.lookup:
        status_column = "s.status AS status"
        join = (
            f"LEFT JOIN LATERAL (SELECT s.status FROM ({status.sql}) s "  # noqa: S608
            f"WHERE s.key = {key} LIMIT 1) s ON true"
        )
    else:
        status_column = (
            f"(SELECT jsonb_object_agg(m.key, m.status) FROM ({status.sql}) m) "  # noqa: S608
            f"->> {key}::text AS status"
        )
        status_params = status.params  # in the select list: before the inner query's
    columns = ", ".join(
        [
            # The id travels once, as the MVT feature id (mvt_id), not again as an attribute.
            "i.mvt_geom, i.mvt_id, i.code",
            *(f"i.{quote(c)} AS {quote(tile.renamed.get(c, c))}" for c in tile.columns),
            status_column,
        ]
    )
    # Column names come from the spec; every value is a parameter.
    sql = (
        "SELECT ST_AsMVT(q, %s, %s, 'mvt_geom', 'mvt_id') "  # noqa: S608
        f"FROM (SELECT {columns} FROM ({inner}) i {join}) q"
    )
    join_params = status.params if status and status.lookup else ()
    return sql, (slug, EXTENT, *status_params, *params, *join_params)


def _stores_web_mercator(spec: LayerSpec) -> bool:
    return any(f.name == "geom_3857" for f in spec.model._meta.get_fields())


def tile_sql(
    slug: str, z: int, x: int, y: int, *, include_hidden: bool, year: int | None
) -> tuple[str, list]:
    """The one query giving the tile as MVT bytes (empty when no feature falls in it).

    Built with the ORM from the layer's spec, and the status expression an extension (the
    compliance app) provides; compiled once per shape (_tile_shape), the tile's address put
    in its places. The filter `geom && ST_Transform(ST_TileEnvelope(...), 4326)` is a
    constant box in the column's own SRID, so PostgreSQL uses the GiST index; rows are
    transformed to 3857 only for output. No ORDER BY/LIMIT: it could make the planner walk
    the primary key instead. Rows whose geometry ST_AsMVTGeom drops (NULL: outside, or
    collapsed by simplification) are skipped by ST_AsMVT itself.
    """
    spec = LAYERS[slug]
    scope_key = current_scope().key
    sql, params, places = _tile_shape_places(
        slug, id(spec), _rule_index(spec, z), include_hidden, year, scope_key
    )
    actual = {_Z: z, _X: x, _Y: y, _TOLERANCE: simplify_tolerance_3857(z)}
    out = list(params)
    for index, stand_in in places:
        out[index] = actual[stand_in]
    return sql, out


@lru_cache(maxsize=512)
def _tile_shape_places(*shape) -> tuple[str, tuple, tuple[tuple[int, float], ...]]:
    """_tile_shape, with where its stand-ins for the tile's address are in the parameters."""
    sql, params = _tile_shape(*shape)
    stand_ins = {_Z, _X, _Y, _TOLERANCE}
    places = tuple(
        (i, p)
        for i, p in enumerate(params)
        if isinstance(p, int | float) and not isinstance(p, bool) and p in stand_ins
    )
    return sql, params, places


def tile_build(
    slug: str, z: int, x: int, y: int, *, include_hidden: bool, year: int | None
) -> bytes:
    """Run the tile query: MVT bytes, b"" when the tile holds no feature.

    (PostgreSQL's JIT is off for the app's connections, see DATABASES in settings: the tile
    functions are costed high, so low-zoom tiles crossed the JIT threshold and compiling took
    ~200 ms for a ~50 ms query.)
    """
    return _run(*tile_sql(slug, z, x, y, include_hidden=include_hidden, year=year))


def _run(sql: str, params: list) -> bytes:
    with prepared_cursor() as cur:
        execute_prepared(cur, sql, params)
        row = cur.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


@dataclass(frozen=True)
class TilePlan:
    """A tile request resolved against the current data versions: what to build, its key."""

    slug: str
    z: int
    x: int
    y: int
    include_hidden: bool
    year: int | None  # the verdicts' year the status shows (None: the layer has no status)
    cache_key: str
    etag: str
    versions_digest: str  # of every data version (the shared cache's rows carry it)
    proxy_key: str = ""  # tile_proxy_key: what a caching proxy keys the tile on, with its URL


def tile_proxy_key(versions_digest: str | None = None) -> str:
    """What, besides the tile's URL (slug, z/x/y, year, all), its bytes depend on: the tile
    format, the reader's area scope and the data versions (their digest; None: the current
    ones). Sent as the X-Tile-Key header of every tile and of GET /tiles/<slug>/key, so a
    caching proxy (docker/proxy/nginx.conf) may share a tile among the readers given the same
    key (docs/scaling.md)."""
    if versions_digest is None:
        versions_digest = _versions_digest(current_layer_versions())
    return f"{FORMAT_VERSION}.{current_scope().key}.{versions_digest}"


def _digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# The versions digested last in this process and their digest: one tuple, read and replaced
# whole, so no thread pairs one's versions with another's digest.
_last_digest: tuple[dict | None, str] = (None, "")


def _versions_digest(versions: dict) -> str:
    """_digest(versions), kept for the versions seen last (they change only on a write)."""
    global _last_digest
    seen, digest = _last_digest
    if versions != seen:
        digest = _digest(versions)
        _last_digest = (dict(versions), digest)
    return digest


def _status_year(slug: str, year: int | None, versions_digest: str) -> int | None:
    """The year the tile's status shows, remembered per data version (no database on a warm
    tile); asked for no year, the extension's default year (it may move without any data
    version changing, so it is kept for DEFAULT_YEAR_SECONDS only)."""
    key = f"tiles:status-year:{FORMAT_VERSION}:{slug}:{year}:{versions_digest}"
    found = cache.get(key)
    if found is None:
        status = tile_status(slug, year)
        found = [status.year if status else None]
        cache.set(key, found, timeout=DEFAULT_YEAR_SECONDS if year is None else CACHE_SECONDS)
    return found[0]


def tile_plan(
    slug: str, z: int, x: int, y: int, *, year: int | None, include_abandoned: bool
) -> TilePlan:
    """Resolve a tile address (XYZ, EPSG:3857) and options into its cache key and ETag.

    The key covers the slug, z/x/y, the all-flag, the status year, and a digest of every data
    version (an edit or import anywhere, or a re-evaluation (`verdicts`), gives new keys). No
    query when the versions and status year are cached.
    """
    include_hidden = include_abandoned and LAYERS[slug].tile.hidden is not None
    versions_digest = _versions_digest(current_layer_versions())
    status_year = _status_year(slug, year, versions_digest)
    scope_key = current_scope().key  # a county's user never gets another area's cached tile
    identity = [FORMAT_VERSION, slug, z, x, y, include_hidden, status_year, scope_key]
    digest = _digest([*identity, versions_digest])
    return TilePlan(
        slug=slug,
        z=z,
        x=x,
        y=y,
        include_hidden=include_hidden,
        year=status_year,
        cache_key=f"tiles:mvt:{slug}:{z}:{x}:{y}:{digest}",
        etag=f'"{digest}"',
        versions_digest=versions_digest,
        proxy_key=tile_proxy_key(versions_digest),
    )


def tile_content(plan: TilePlan, after: list | None = None) -> bytes:
    """The tile's MVT bytes (b"" for an empty tile): from the cache every worker shares
    (layers/tile_cache.py), or built and kept there. TILE_CACHE_ENABLED off (measurements of
    cold throughput only): always built, nothing kept.

    `after`: a list of calls the caller makes once its response is sent (the web view and the
    fast path do, on WSGI's close()): a built tile's insert into the shared table goes there,
    off the time its client waits, and its copy in the process's memory. None: stored now.
    """
    if not settings.TILE_CACHE_ENABLED:
        return tile_build(
            plan.slug, plan.z, plan.x, plan.y, include_hidden=plan.include_hidden, year=plan.year
        )
    content = tile_cache_memory_get(plan.cache_key)
    if content is not None:
        return content
    sql, params = tile_sql(
        plan.slug, plan.z, plan.x, plan.y, include_hidden=plan.include_hidden, year=plan.year
    )
    found = tile_cache_shared_or_build(plan.cache_key, sql, params)
    if found is None:  # the shared table unreadable: built alone, not kept there
        content = _run(sql, params)
        tile_cache_remember(plan.cache_key, content)
        return content
    content, from_shared = found
    tile_kept(plan, content, built=not from_shared, after=after)
    return content


def tile_kept(plan: TilePlan, content: bytes, *, built: bool, after: list | None) -> None:
    """Keep a tile just read from the shared table or `built`: in the process's memory, and a
    built one in the shared table; after the response when `after` is a list (tile_content),
    now otherwise."""
    if after is None:
        tile_cache_remember(plan.cache_key, content)
        if built:
            tile_cache_share(plan.cache_key, plan.versions_digest, content)
        return
    after.append(partial(tile_cache_remember, plan.cache_key, content))
    if built:
        after.append(partial(tile_cache_share, plan.cache_key, plan.versions_digest, content))

"""Pipe topology in SQL: bind every pipe end to a node within the snap tolerance (metres)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from psycopg import Cursor, sql

# Degrees that safely cover a metre tolerance for the bounding-box prefilter at lat ≤ 60°
# (1° of longitude is ≥ 55 km there); the exact test is ST_DWithin on geography.
_DEG_PER_M = 1 / 55_000.0


def degrees_covering(metres: float) -> float:
    """A distance in degrees at least `metres` in any direction (bounding-box prefilters)."""
    return metres * _DEG_PER_M


def _bind(cur: Cursor, staging: sql.Identifier, column: str, point: str, tol_m: float) -> None:
    cur.execute(
        sql.SQL(
            "UPDATE {s} SET {col} = (SELECT n.id FROM layers_pipenode n "
            "WHERE n.geom && ST_Expand({pt}, %(deg)s) "
            "AND ST_DWithin(n.geom::geography, {pt}::geography, %(tol)s) "
            "ORDER BY n.geom <-> {pt} LIMIT 1) WHERE {col} IS NULL"
        ).format(s=staging, col=sql.Identifier(column), pt=sql.SQL(point)),
        {"deg": tol_m * _DEG_PER_M, "tol": tol_m},
    )


def staged_pipes_bind_nodes(cur: Cursor, staging_name: str) -> None:
    """Give each staged pipe (geom, start_node_id, end_node_id, length_m) its end nodes.

    An end within NETWORK_SNAP_TOLERANCE_M of a node joins the nearest one; ends with no node
    near them get new junction nodes (ends within the tolerance of each other share one);
    then each end is moved exactly onto its node and the length recomputed on the ellipsoid.
    """
    tol = float(settings.NETWORK_SNAP_TOLERANCE_M)
    staging = sql.Identifier(staging_name)
    start, end = "ST_StartPoint({s}.geom)", "ST_EndPoint({s}.geom)"
    start_sql = start.format(s=staging_name)
    end_sql = end.format(s=staging_name)
    _bind(cur, staging, "start_node_id", start_sql, tol)
    _bind(cur, staging, "end_node_id", end_sql, tol)
    # New junctions for the loose ends, one per cluster of ends (metric CRS for the clustering).
    cur.execute(
        sql.SQL(
            "WITH ends AS ("
            "  SELECT ST_StartPoint(geom) AS pt FROM {s} WHERE start_node_id IS NULL"
            "  UNION ALL SELECT ST_EndPoint(geom) FROM {s} WHERE end_node_id IS NULL),"
            " clustered AS (SELECT pt, ST_ClusterDBSCAN(ST_Transform(pt, 4546), eps := %(tol)s,"
            "  minpoints := 1) OVER () AS cid FROM ends),"
            " firsts AS (SELECT DISTINCT ON (cid) pt FROM clustered"
            "  ORDER BY cid, ST_X(pt), ST_Y(pt))"
            " INSERT INTO layers_pipenode (code, kind, geom, updated_at)"
            " SELECT 'J' || lpad(nextval('layers_pipenode_auto_code')::text, 7, '0'), 'junction',"
            "  pt, now() FROM firsts"
        ).format(s=staging),
        {"tol": tol},
    )
    if cur.rowcount:
        _bind(cur, staging, "start_node_id", start_sql, tol)
        _bind(cur, staging, "end_node_id", end_sql, tol)
    cur.execute(
        sql.SQL(
            "UPDATE {s} SET geom = ST_SetPoint(ST_SetPoint({s}.geom, 0, a.geom),"
            " ST_NPoints({s}.geom) - 1,"
            " b.geom) FROM layers_pipenode a, layers_pipenode b"
            " WHERE a.id = {s}.start_node_id AND b.id = {s}.end_node_id"
            " AND NOT (ST_Equals(ST_StartPoint({s}.geom), a.geom)"
            "  AND ST_Equals(ST_EndPoint({s}.geom), b.geom))"
        ).format(s=staging)
    )
    cur.execute(sql.SQL("UPDATE {s} SET length_m = ST_Length(geom::geography)").format(s=staging))


# --- single-feature queries used by the editing services -----------------------------------
# Points are (lon, lat) in EPSG:4326; distances are metres on the ellipsoid (geography), the
# same test the import binding above uses, so an edit and an import snap alike.
_PT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"


@dataclass(frozen=True)
class PipeHit:
    """A pipe passing within the tolerance of a point: where (fraction 0-1, lon/lat) and
    the distances (m) from that place to the pipe's two end nodes."""

    pipe_id: int
    fraction: float
    at: tuple[float, float]
    distance_m: float
    to_start_m: float
    to_end_m: float


def node_nearest(
    point: tuple[float, float], tol_m: float, exclude: Sequence[int] = ()
) -> tuple[int, tuple[float, float]] | None:
    """The nearest node within tol_m metres of a lon/lat point: (id, (lon, lat)), or None."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT n.id, ST_X(n.geom), ST_Y(n.geom) FROM layers_pipenode n "  # noqa: S608
            f"WHERE n.geom && ST_Expand({_PT}, %(deg)s) "
            f"AND ST_DWithin(n.geom::geography, {_PT}::geography, %(tol)s) "
            "AND NOT n.id = ANY(%(exclude)s) "
            f"ORDER BY ST_Distance(n.geom::geography, {_PT}::geography), n.id LIMIT 1",
            _params(point, tol_m, exclude=list(exclude)),
        )
        row = cur.fetchone()
    return None if row is None else (row[0], (row[1], row[2]))


def pipes_near(
    point: tuple[float, float], tol_m: float, exclude: Sequence[int] = ()
) -> list[PipeHit]:
    """Pipes not abandoned passing within tol_m metres of a point, nearest first."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.id, ST_LineLocatePoint(p.geom, c.cp), ST_X(c.cp), ST_Y(c.cp), "  # noqa: S608
            " ST_Distance(p.geom::geography, pt.g::geography), "
            " coalesce(ST_Distance(c.cp::geography, s.geom::geography), 'Infinity'), "
            " coalesce(ST_Distance(c.cp::geography, e.geom::geography), 'Infinity') "
            f"FROM (SELECT {_PT} AS g) pt, layers_pipesegment p "
            "LEFT JOIN layers_pipenode s ON s.id = p.start_node_id "
            "LEFT JOIN layers_pipenode e ON e.id = p.end_node_id, "
            # The foot of the perpendicular in metres (EPSG:4546), not in degrees: at 25°N a
            # closest point found in degrees is centimetres away along the pipe.
            "LATERAL (SELECT ST_Transform(ST_ClosestPoint(ST_Transform(p.geom, 4546), "
            " ST_Transform(pt.g, 4546)), 4326) AS cp) c "
            "WHERE p.status <> 'abandoned' AND p.geom && ST_Expand(pt.g, %(deg)s) "
            "AND ST_DWithin(p.geom::geography, pt.g::geography, %(tol)s) "
            "AND NOT p.id = ANY(%(exclude)s) ORDER BY 5, p.id",
            _params(point, tol_m, exclude=list(exclude)),
        )
        return [PipeHit(r[0], r[1], (r[2], r[3]), r[4], r[5], r[6]) for r in cur.fetchall()]


def pipe_overlaps(
    pipe_id: int, tol_m: float, min_overlap_m: float
) -> list[tuple[int, float, tuple[float, float]]]:
    """In-service pipes along which more than min_overlap_m metres of this pipe run within
    tol_m: [(other id, overlap m, a lon/lat point of the overlap)], longest first.

    Measured in the metric CRS (EPSG:4546): the length of this pipe inside the other's buffer.
    """
    with connection.cursor() as cur:
        cur.execute(
            "SELECT b.id, y.ov, ST_X(y.loc), ST_Y(y.loc) FROM layers_pipesegment a "
            "JOIN layers_pipesegment b ON b.id <> a.id AND b.status = 'in_service' "
            " AND b.geom && ST_Expand(a.geom, %(deg)s) "
            " AND ST_DWithin(a.geom::geography, b.geom::geography, %(tol)s), "
            "LATERAL (SELECT ST_Intersection(ST_Transform(a.geom, 4546), "
            "  ST_Buffer(ST_Transform(b.geom, 4546), %(tol)s)) AS part) x, "
            "LATERAL (SELECT ST_Length(x.part) AS ov, "
            "  ST_Transform(ST_PointOnSurface(x.part), 4326) AS loc) y "
            "WHERE a.id = %(id)s AND y.ov > %(min)s ORDER BY y.ov DESC, b.id",
            {"id": pipe_id, "tol": tol_m, "deg": tol_m * _DEG_PER_M, "min": min_overlap_m},
        )
        return [(r[0], r[1], (r[2], r[3])) for r in cur.fetchall()]


def outside_county(table: str, row_id: int) -> tuple[float, float] | None:
    """A lon/lat point of the row's geometry lying outside every county boundary, or None
    when a county covers it (or no county boundary is loaded at all)."""
    if table not in ("layers_pipesegment", "layers_pipenode"):
        raise ValueError(table)
    with connection.cursor() as cur:
        cur.execute(
            "WITH f AS (SELECT geom AS g FROM " + table + " WHERE id = %s), "  # noqa: S608
            "c AS (SELECT geom FROM layers_adminarea WHERE level = 'county') "
            "SELECT NOT EXISTS (SELECT 1 FROM c) "
            " OR EXISTS (SELECT 1 FROM c, f WHERE ST_Covers(c.geom, f.g)), "
            " ST_X(p), ST_Y(p) FROM f, LATERAL (SELECT ST_PointOnSurface(ST_Difference(f.g, "
            "  coalesce((SELECT ST_Union(c.geom) FROM c WHERE c.geom && f.g), "
            "  ST_GeomFromText('POLYGON EMPTY', 4326)))) AS p) d",
            [row_id],
        )
        covered, lon, lat = cur.fetchone()
    return None if covered or lon is None else (lon, lat)


def _params(point: tuple[float, float], tol_m: float, **extra) -> dict:
    return {"lon": point[0], "lat": point[1], "tol": tol_m, "deg": tol_m * _DEG_PER_M, **extra}


def pipe_closest_point(
    pipe_id: int, point: tuple[float, float]
) -> tuple[tuple[float, float], float] | None:
    """The point of a pipe nearest a lon/lat point (foot of the perpendicular in EPSG:4546)
    and its distance in metres on the ellipsoid; None when the pipe does not exist."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(c.cp), ST_Y(c.cp), "  # noqa: S608 - _PT is a constant fragment
            "ST_Distance(p.geom::geography, pt.g::geography) "
            f"FROM (SELECT {_PT} AS g) pt, "
            "layers_pipesegment p, "
            "LATERAL (SELECT ST_Transform(ST_ClosestPoint(ST_Transform(p.geom, 4546), "
            " ST_Transform(pt.g, 4546)), 4326) AS cp) c WHERE p.id = %(id)s",
            {"lon": point[0], "lat": point[1], "id": pipe_id},
        )
        row = cur.fetchone()
    return None if row is None else ((row[0], row[1]), row[2])

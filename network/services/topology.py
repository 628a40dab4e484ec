"""Pipe topology in SQL: bind every pipe end to a node within the snap tolerance (metres)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from psycopg import Cursor, sql

from layers.geometry import METRIC_SRID, STORAGE_SRID

# Degrees that safely cover a metre tolerance for the bounding-box prefilter at lat ≤ 60°
# (1° of longitude is ≥ 55 km there); the exact test is ST_DWithin on geography.
_DEG_PER_M = 1 / 55_000.0


def degrees_covering(metres: float) -> float:
    """A distance in degrees at least `metres` in any direction (bounding-box prefilters)."""
    return metres * _DEG_PER_M


# The nearest node within the tolerance of a point `e.pt`: the bounding-box prefilter uses the
# GiST index, the exact test is metres on the ellipsoid, ties go to the nearer in degrees.
_NEAREST_NODE = sql.SQL(
    "SELECT n.id, n.geom FROM layers_pipenode n "
    "WHERE n.geom && ST_Expand(e.pt, %(deg)s) "
    "AND ST_DWithin(n.geom::geography, e.pt::geography, %(tol)s) "
    "ORDER BY n.geom <-> e.pt LIMIT 1"
)
_DERIVED = ("geom", "start_node_id", "end_node_id", "length_m")


def staged_pipes_bind_nodes(
    cur: Cursor,
    staging_name: str,
    columns: Sequence[str],
    node_insert: Callable[[Cursor, str], None],
) -> sql.Composable:
    """Bind each staged pipe's ends to nodes; return the query of the pipes to merge.

    staging_name: a temporary table of pipes (`columns`, geometries in EPSG:4326).
    An end within NETWORK_SNAP_TOLERANCE_M (metres, on the ellipsoid) of an existing node joins
    the nearest one; the other ends get new junction nodes, one per cluster of ends within the
    tolerance of each other (DBSCAN in the metric EPSG:4546, chains included), placed on the
    cluster's westmost end; an end farther than the tolerance from its cluster's junction (a
    chain longer than the tolerance) joins the nearest node within the tolerance, if any.
    Set-based: every distinct end point is looked at once, whatever the number of pipes.
    Returns a query with `columns`: node ids, both ends moved exactly onto their nodes (when
    both have one) and length_m recomputed in metres on the ellipsoid.
    node_insert(cur, table) writes the new junctions into layers_pipenode, given the temporary
    table holding them (id, code, pt): dataio/importing/layer_write.py's derives their town
    (and, into an empty node table, their county) set-based.
    """
    tol = float(settings.NETWORK_SNAP_TOLERANCE_M)
    params = {"tol": tol, "deg": degrees_covering(tol)}
    staging = sql.Identifier(staging_name)
    cur.execute("DROP TABLE IF EXISTS _bind_ends, _bind_loose, _bind_junctions, _bind_joined")
    # Each distinct end point (exact coordinates) once, with the nearest existing node. `ord`
    # is its first place among the starts then the ends in file order: the clusters, and so the
    # junctions' codes, are numbered in that order whatever plan the database picks.
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE _bind_ends ON COMMIT DROP AS "  # noqa: S608 (constants)
            "SELECT e.x, e.y, e.ord, e.pt, n.id AS node_id, n.geom AS node_geom FROM ("
            " SELECT x, y, min(ord) AS ord, "
            f" ST_SetSRID(ST_MakePoint(x, y), {STORAGE_SRID}) AS pt FROM ("
            "  SELECT ST_X(ST_StartPoint(geom)) AS x, ST_Y(ST_StartPoint(geom)) AS y,"
            "   row_number() OVER () AS ord FROM {s}"
            "  UNION ALL SELECT ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom)),"
            "   row_number() OVER () + 4294967296 FROM {s}) u GROUP BY x, y) e "
            "LEFT JOIN LATERAL ({nearest}) n ON true"
        ).format(s=staging, nearest=_NEAREST_NODE),
        params,
    )
    cur.execute("ANALYZE _bind_ends (x, y)")
    cur.execute(
        "CREATE TEMP TABLE _bind_loose ON COMMIT DROP AS SELECT x, y, pt, "  # noqa: S608 (constants)
        f"ST_ClusterDBSCAN(ST_Transform(pt, {METRIC_SRID}), eps := %(tol)s, minpoints := 1) "
        " OVER () AS cid "
        "FROM (SELECT * FROM _bind_ends WHERE node_id IS NULL ORDER BY ord) e",
        params,
    )
    loose = cur.rowcount
    if loose:
        # One junction per cluster, its id drawn beforehand so that the ends find it by cluster.
        cur.execute(
            "CREATE TEMP TABLE _bind_junctions ON COMMIT DROP AS SELECT cid, pt,"
            " nextval(pg_get_serial_sequence('layers_pipenode', 'id')) AS id,"
            " 'J' || lpad(nextval('layers_pipenode_auto_code')::text, 7, '0') AS code"
            " FROM (SELECT DISTINCT ON (cid) cid, pt FROM _bind_loose ORDER BY cid, x, y) r"
            " ORDER BY cid"
        )
        node_insert(cur, "_bind_junctions")
        # Every end of the cluster within the tolerance of its junction joins it (the end the
        # junction stands on without measuring): _bind_ends written anew, not row by row.
        cur.execute(
            "CREATE TEMP TABLE _bind_joined ON COMMIT DROP AS SELECT e.x, e.y, e.ord, e.pt,"
            " COALESCE(e.node_id, m.id) AS node_id, COALESCE(e.node_geom, m.pt) AS node_geom"
            " FROM _bind_ends e LEFT JOIN (SELECT l.x, l.y, j.id, j.pt FROM _bind_loose l"
            "  JOIN _bind_junctions j ON j.cid = l.cid"
            "  WHERE (ST_X(j.pt) = l.x AND ST_Y(j.pt) = l.y)"
            "   OR ST_DWithin(l.pt::geography, j.pt::geography, %(tol)s)) m"
            " ON m.x = e.x AND m.y = e.y",
            params,
        )
        cur.execute("DROP TABLE _bind_ends")
        cur.execute("ALTER TABLE _bind_joined RENAME TO _bind_ends")
        cur.execute("ANALYZE _bind_ends (x, y)")
        cur.execute(
            sql.SQL(
                "UPDATE _bind_ends e SET (node_id, node_geom) = ({nearest}) WHERE e.node_id IS NULL"
            ).format(nearest=_NEAREST_NODE),
            params,
        )
    kept = [sql.SQL("s.{}").format(sql.Identifier(c)) for c in columns if c not in _DERIVED]
    # Each pipe's end coordinates once (OFFSET 0 keeps the subquery from being inlined into
    # every join and test). An end is on its node when the node has its exact coordinates.
    return sql.SQL(
        "SELECT {kept}, g.geom, a.node_id AS start_node_id, b.node_id AS end_node_id,"
        " ST_Length(g.geom::geography) AS length_m FROM (SELECT s.*, ST_X(p0) AS x0,"
        "  ST_Y(p0) AS y0, ST_X(p1) AS x1, ST_Y(p1) AS y1 FROM (SELECT s.ctid AS _ctid, s.*,"
        "  ST_StartPoint(s.geom) AS p0, ST_EndPoint(s.geom) AS p1 FROM {s} s OFFSET 0) s) s"
        " LEFT JOIN _bind_ends a ON a.x = s.x0 AND a.y = s.y0"
        " LEFT JOIN _bind_ends b ON b.x = s.x1 AND b.y = s.y1,"
        " LATERAL (SELECT CASE WHEN a.node_id IS NOT NULL AND b.node_id IS NOT NULL"
        "  AND NOT (ST_X(a.node_geom) = s.x0 AND ST_Y(a.node_geom) = s.y0"
        "   AND ST_X(b.node_geom) = s.x1 AND ST_Y(b.node_geom) = s.y1)"
        "  THEN ST_SetPoint(ST_SetPoint(s.geom, 0, a.node_geom), ST_NPoints(s.geom) - 1,"
        "   b.node_geom)"
        "  ELSE s.geom END AS geom) g"
        " ORDER BY s._ctid"  # ids in file order, as the rows were staged
    ).format(kept=sql.SQL(", ").join(kept), s=staging)


# --- single-feature queries used by the editing services -----------------------------------
# Points are (lon, lat) in EPSG:4326; distances are metres on the ellipsoid (geography), the
# same test the import binding above uses, so an edit and an import snap alike.
_PT = f"ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), {STORAGE_SRID})"


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
            f"LATERAL (SELECT ST_Transform(ST_ClosestPoint(ST_Transform(p.geom, {METRIC_SRID}), "
            f" ST_Transform(pt.g, {METRIC_SRID})), {STORAGE_SRID}) AS cp) c "
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
            "SELECT b.id, y.ov, ST_X(y.loc), ST_Y(y.loc) FROM layers_pipesegment a "  # noqa: S608 (constants)
            "JOIN layers_pipesegment b ON b.id <> a.id AND b.status = 'in_service' "
            " AND b.geom && ST_Expand(a.geom, %(deg)s) "
            " AND ST_DWithin(a.geom::geography, b.geom::geography, %(tol)s), "
            f"LATERAL (SELECT ST_Intersection(ST_Transform(a.geom, {METRIC_SRID}), "
            f"  ST_Buffer(ST_Transform(b.geom, {METRIC_SRID}), %(tol)s)) AS part) x, "
            "LATERAL (SELECT ST_Length(x.part) AS ov, "
            f"  ST_Transform(ST_PointOnSurface(x.part), {STORAGE_SRID}) AS loc) y "
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
            f"  ST_GeomFromText('POLYGON EMPTY', {STORAGE_SRID})))) AS p) d",
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
            f"LATERAL (SELECT ST_Transform(ST_ClosestPoint(ST_Transform(p.geom, {METRIC_SRID}), "
            f" ST_Transform(pt.g, {METRIC_SRID})), {STORAGE_SRID}) AS cp) c WHERE p.id = %(id)s",
            {"lon": point[0], "lat": point[1], "id": pipe_id},
        )
        row = cur.fetchone()
    return None if row is None else ((row[0], row[1]), row[2])


# --- rewiring after an edit: ends on nodes, leaks and crossing marks follow the pipes ---------
def pipe_ends_on_nodes(pipe_ids: list[int]) -> None:
    """Put both ends of each pipe exactly on its start and end nodes."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE layers_pipesegment p SET geom = ST_SetPoint(ST_SetPoint(p.geom, 0, s.geom), "
            " ST_NPoints(p.geom) - 1, e.geom), updated_at = now() "
            "FROM layers_pipenode s, layers_pipenode e "
            "WHERE p.id = ANY(%s) AND s.id = p.start_node_id AND e.id = p.end_node_id",
            [list(pipe_ids)],
        )


def leaks_to_nearest(from_pipe_ids: list[int], onto_pipe_ids: list[int]) -> None:
    """Leaks recorded on `from_pipe_ids` go to the nearest of `onto_pipe_ids` (ties: the lower
    id, so after a split a leak as near to both parts stays on the original)."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE layers_leakrecord l SET pipe_id = (SELECT p.id FROM layers_pipesegment p "
            " WHERE p.id = ANY(%(onto)s) ORDER BY ST_Distance(p.geom, l.geom), p.id LIMIT 1) "
            "WHERE l.pipe_id = ANY(%(from)s) AND cardinality(%(onto)s::bigint[]) > 0",
            {"onto": list(onto_pipe_ids), "from": list(from_pipe_ids)},
        )


def crossings_copy(from_pipe_id: int, to_pipe_id: int) -> None:
    """The crossing marks of one pipe, copied to another (a split's new part, a merge's
    survivor); never a mark of a pipe with itself."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO layers_pipecrossing (pipe_a_id, pipe_b_id, confirmed_by_id, "
            " confirmed_at, note) SELECT least(%(to)s, x.o), greatest(%(to)s, x.o), "
            " c.confirmed_by_id, c.confirmed_at, c.note FROM layers_pipecrossing c, "
            " LATERAL (SELECT CASE WHEN c.pipe_a_id = %(from)s THEN c.pipe_b_id "
            " ELSE c.pipe_a_id END AS o) x "
            "WHERE %(from)s IN (c.pipe_a_id, c.pipe_b_id) AND x.o <> %(to)s "
            "ON CONFLICT DO NOTHING",
            {"from": from_pipe_id, "to": to_pipe_id},
        )


def pipe_split_rows(pipe_id: int, node_id: int, code: str) -> int:
    """Cut a pipe where a node lies on it: the pipe keeps the part up to the node, a new pipe
    `code` (same attributes) runs from the node to the old end; both ends exactly on the
    node. Returns the new pipe's id."""
    ids = {"pipe": pipe_id, "node": node_id, "code": code}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_LineLocatePoint(p.geom, n.geom) FROM layers_pipesegment p, "
            "layers_pipenode n WHERE p.id = %(pipe)s AND n.id = %(node)s",
            ids,
        )
        ids["f"] = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO layers_pipesegment (code, geom, start_node_id, end_node_id, "
            " diameter_mm, material, install_year, status, length_m, supply_zone_id, town_id, "
            " version, updated_at) "
            "SELECT %(code)s, ST_SetPoint(ST_LineSubstring(p.geom, %(f)s, 1), 0, n.geom), n.id, "
            " p.end_node_id, p.diameter_mm, p.material, p.install_year, p.status, 0, "
            " p.supply_zone_id, p.town_id, 1, now() "
            "FROM layers_pipesegment p, layers_pipenode n "
            "WHERE p.id = %(pipe)s AND n.id = %(node)s RETURNING id",
            ids,
        )
        new_id = cur.fetchone()[0]
        cur.execute(
            "UPDATE layers_pipesegment p SET geom = ST_SetPoint(x.part, ST_NPoints(x.part) - 1, "
            " n.geom), end_node_id = n.id, updated_at = now() "
            "FROM layers_pipenode n, (SELECT ST_LineSubstring(geom, 0, %(f)s) AS part "
            " FROM layers_pipesegment WHERE id = %(pipe)s) x "
            "WHERE p.id = %(pipe)s AND n.id = %(node)s",
            ids,
        )
    return new_id

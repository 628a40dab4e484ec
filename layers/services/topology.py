"""Pipe topology in SQL: bind every pipe end to a node within the snap tolerance (metres)."""

from __future__ import annotations

from django.conf import settings
from psycopg import Cursor, sql

# Degrees that safely cover a metre tolerance for the bounding-box prefilter at lat ≤ 60°
# (1° of longitude is ≥ 55 km there); the exact test is ST_DWithin on geography.
_DEG_PER_M = 1 / 55_000.0


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

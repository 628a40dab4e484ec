"""Imported pipes that repeat another pipe's route, refused as the editor refuses them."""

from __future__ import annotations

import numpy as np
import shapely
from django.conf import settings

from dataio.importing.errors import RowError
from layers.geometry import METRIC_SRID
from network.services.session import OVERLAP_FACTOR

_M_PER_DEG = 111_320.0  # metres per degree of latitude (a tolerance in degrees ≤ the metres)
# The part of a pipe's length left out at each end by the cheap test below, in tolerances:
# less than half of OVERLAP_FACTOR, so that an overlap longer than OVERLAP_FACTOR tolerances
# always reaches beyond it.
_END_ZONE = 0.95 * OVERLAP_FACTOR / 2
_ROUTES = "_import_routes"

# The editor's measure (network.services.session): the length of the new pipe lying within
# the snapping tolerance of the other, in the metric EPSG:4546.
_OVERLAP_M = "ST_Length(ST_Intersection(a.geom_m, ST_Buffer({b}, %(tol_m)s)))"
# Pairs with a stored pipe ({routes} holds the moving rows).
_STORED_SQL = (
    "SELECT a._row, b.code, NULL, ov, ST_HausdorffDistance(a.geom, b.geom) <= %(same)s "  # noqa: S608 (constants)
    "FROM {routes} a JOIN layers_pipesegment b "
    " ON b.code <> a.code AND b.status = 'in_service' AND b.geom && ST_Expand(a.geom, %(deg)s) "
    " AND NOT EXISTS (SELECT 1 FROM {diff} m WHERE m.id = b.id AND m.moved), "
    "LATERAL (SELECT ST_Transform(b.geom, {srid}) AS b_m) t, "
    "LATERAL (SELECT " + _OVERLAP_M.format(b="t.b_m") + " AS ov) x "
    "WHERE ST_DWithin(a.inner_m, t.b_m, %(near_m)s) AND x.ov > %(min)s"
)
# Pairs of rows, among the candidate pairs (%(a)s, %(b)s) found in memory.
_ROWS_SQL = (
    "SELECT a._row, b.code, b._row, ov, ST_HausdorffDistance(a.geom, b.geom) <= %(same)s "  # noqa: S608 (constants)
    "FROM unnest(%(a)s::int[], %(b)s::int[]) p(a, b) "
    "JOIN {routes} a ON a._row = p.a JOIN {routes} b ON b._row = p.b, "
    "LATERAL (SELECT " + _OVERLAP_M.format(b="b.geom_m") + " AS ov) x "
    "WHERE x.ov > %(min)s"
)


def _row_pairs(cur, near_m: float) -> tuple[list[int], list[int]]:
    """Pairs of moving rows (a, b), b before a, where a's inner part comes within near_m of b:
    found with an in-memory R-tree (GEOS, through shapely) on the database's own metric
    coordinates. In SQL each of the 200,000 rows of a first load was an index probe of its
    own (20-35 µs each, 4-7 s in all); here the whole self-join is a few hundred ms. The
    margin on near_m keeps it a superset of the database's test; the database then measures
    every pair exactly."""
    cur.execute(f"SELECT _row, ST_AsBinary(geom_m), ST_AsBinary(inner_m) FROM {_ROUTES}")  # noqa: S608
    rows_, whole_, inner_ = zip(*cur.fetchall(), strict=True)
    rows = np.array(rows_, dtype=np.int64)
    whole = shapely.from_wkb(np.array(whole_, dtype=object))
    inner = shapely.from_wkb(np.array(inner_, dtype=object))
    at, other = shapely.STRtree(whole).query(inner, predicate="dwithin", distance=near_m * 1.01)
    earlier = rows[other] < rows[at]
    return rows[at][earlier].tolist(), rows[other][earlier].tolist()


def route_conflicts(cur, stage: str, diff: str) -> list[RowError]:
    """Pipes (new or moved, not abandoned) running along another pipe, as the editor refuses
    them: more than OVERLAP_FACTOR snapping tolerances of their length within the tolerance
    of a stored in-service pipe the file does not move, or of an earlier new or moved row.
    A pipe on another's whole route (within the tolerance) is called a duplicate. Stored
    overlaps the file leaves as they are are the network check's business.

    stage: the staged rows (_row, code, status, geom in EPSG:4326); diff: their comparison
    (_row, id, moved). The exact measure (a buffer and an intersection per pair) runs only on
    pairs that pass a cheap test it implies: the pipe without its first and last _END_ZONE
    tolerances still comes within the tolerance of the other. An overlap longer than
    OVERLAP_FACTOR tolerances cannot lie wholly inside the two end zones (together shorter),
    so no refusal is lost; pipes meeting at a node at an angle above ~30° fail the test.
    The pairs of rows are looked for in memory (_row_pairs), those with stored pipes by the
    database (a few rows in an update, none in a first load).
    """
    tol_m = float(settings.NETWORK_SNAP_TOLERANCE_M)
    params = {
        "tol_m": tol_m,
        "near_m": tol_m * 1.001,  # the buffer's rounding; the test only has to let pairs by
        "zone_m": _END_ZONE * tol_m,
        "deg": tol_m / _M_PER_DEG * 1.2,  # a degree of longitude is shorter at 25°N
        "min": OVERLAP_FACTOR * tol_m,
        "same": tol_m / _M_PER_DEG,
    }
    # The moving rows once, in the metric CRS, with their inner part (the whole pipe when it
    # is no longer than the two end zones).
    cur.execute(f"DROP TABLE IF EXISTS {_ROUTES}")
    cur.execute(
        f"CREATE TEMP TABLE {_ROUTES} ON COMMIT DROP AS "  # noqa: S608 (constants)
        "SELECT _row, code, geom, geom_m, CASE WHEN len > 2 * %(zone_m)s "
        " THEN ST_LineSubstring(geom_m, %(zone_m)s / len, 1 - %(zone_m)s / len) "
        " ELSE geom_m END AS inner_m "
        f"FROM (SELECT s._row, s.code, s.geom, ST_Transform(s.geom, {METRIC_SRID}) AS geom_m "
        f" FROM {stage} s JOIN {diff} d ON d._row = s._row AND (d.id IS NULL OR d.moved)"
        "  AND COALESCE(s.status, 'in_service') <> 'abandoned') m, "
        "LATERAL (SELECT ST_Length(m.geom_m) AS len) l",
        params,
    )
    if not cur.rowcount:
        return []
    cur.execute(_STORED_SQL.format(routes=_ROUTES, diff=diff, srid=METRIC_SRID), params)
    found = cur.fetchall()
    params["a"], params["b"] = _row_pairs(cur, params["near_m"])
    cur.execute(_ROWS_SQL.format(routes=_ROUTES), params)
    found += cur.fetchall()
    found.sort(key=lambda f: (f[0], f[2] is not None, f[2] or 0, f[1]))
    refusals, seen = [], set()
    for row, code, other_row, overlap_m, same in found:
        if row in seen:
            continue  # one reason per row: the stored pipe first, else the earliest row
        seen.add(row)
        if same and other_row is None:
            reason = f"same route as pipe {code}"
        elif same:
            reason = f"same route as row {other_row} (pipe {code})"
        elif other_row is None:
            reason = f"runs along pipe {code} for {overlap_m:.1f} m (duplicate or overlap)"
        else:
            reason = (
                f"runs along row {other_row} (pipe {code}) for {overlap_m:.1f} m "
                "(duplicate or overlap)"
            )
        refusals.append(RowError(row, "geometry", reason))
    return refusals

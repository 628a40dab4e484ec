"""A bulk load's derived columns, set-based: each new row's county and zone memberships at once.

The county trigger (layers/county_triggers.py) and the membership refresh
(layers/services/membership.py) look each row's zone up on its own: one point-in-polygon
against an unprepared outline per row (~30 µs against Lianzhou's 1,888-vertex outline, so
~6 s for 200,000 pipes, per derived column). Here each zone is taken once and every point
tested against it in a row, so PostGIS keeps the zone prepared between tests. The rules are
the same: the representative point is the line's midpoint, the point itself or a point on the
polygon's surface; the county is the lowest id among those containing it, else the nearest
within COUNTY_MARGIN_DEG (then the lowest id); a membership is the lowest zone id containing
the point, else NULL. tests/layers/test_derived.py checks the values equal the trigger's.
"""

from __future__ import annotations

from psycopg import Cursor, sql

from layers.county_triggers import COUNTY_MARGIN_DEG
from layers.services.membership import membership_rules

DERIVED = "_derived"
_POINTS = "_derived_points"
# Above this many zones the points get a spatial index (each zone then reads only its own).
_INDEX_ABOVE_ZONES = 8

# layers_county_of(g)'s representative point.
_COUNTY_POINT = (
    "CASE GeometryType(geom) WHEN 'POINT' THEN geom "
    "WHEN 'LINESTRING' THEN ST_LineInterpolatePoint(geom, 0.5) ELSE ST_PointOnSurface(geom) END"
)


def derived_columns(
    cur: Cursor, *, table: str, source: str, county: bool, key: str = "_row", geom: str = "geom"
) -> list[str]:
    """Compute the derived columns of `table` for the rows of the temporary table `source`
    (its `key` column and its geometry `geom`, EPSG:4326) into the temporary table _derived
    (_row: the key, and the columns); returns the column names (county_id when `county`, then
    the memberships). Rows with a NULL or empty geometry get NULLs, as the trigger gives them.
    """
    rules = [r for r in membership_rules() if r.table == table]
    src = sql.Identifier(source)
    points = [
        sql.SQL("{e} AS pt_county").format(e=sql.SQL(_COUNTY_POINT)) if county else None,
        *(
            sql.SQL("{e} AS {c}").format(
                e=sql.SQL(r.point.replace("f.geom", "geom")), c=sql.Identifier(f"pt_{r.column}")
            )
            for r in rules
        ),
    ]
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {p}, {d}").format(
        p=sql.Identifier(_POINTS), d=sql.Identifier(DERIVED)
    ))  # fmt: skip
    cur.execute(
        sql.SQL(
            "CREATE TEMP TABLE {p} ON COMMIT DROP AS SELECT {k} AS _row, {points} "
            "FROM (SELECT {k}, {g} AS geom FROM {src}) s "
            "WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom)"
        ).format(
            p=sql.Identifier(_POINTS),
            k=sql.Identifier(key),
            g=sql.Identifier(geom),
            points=sql.SQL(", ").join(p for p in points if p is not None),
            src=src,
        )
    )
    cur.execute(
        sql.SQL("CREATE TEMP TABLE {d} ON COMMIT DROP AS SELECT {k} AS _row FROM {src}").format(
            d=sql.Identifier(DERIVED), k=sql.Identifier(key), src=src
        )
    )
    columns = []
    if county:
        columns.append("county_id")
        _assign(cur, "county_id", "pt_county", "layers_adminarea", "z.level = 'county'")
        _county_margin(cur)
    for r in rules:
        columns.append(r.column)
        _assign(cur, r.column, f"pt_{r.column}", r.zones, r.zone_filter)
    cur.execute(sql.SQL("ANALYZE {d}").format(d=sql.Identifier(DERIVED)))
    return columns


def _assign(cur: Cursor, column: str, point: str, zones: str, zone_filter: str) -> None:
    """_derived.column = the lowest id of the zones (rows of `zones` passing `zone_filter`,
    SQL over alias z, from the code's own rules) containing each row's point."""
    cur.execute(
        sql.SQL("ALTER TABLE {d} ADD COLUMN {c} bigint").format(
            d=sql.Identifier(DERIVED), c=sql.Identifier(column)
        )
    )
    cur.execute(
        sql.SQL("SELECT count(*) FROM {z} z WHERE {f}").format(
            z=sql.Identifier(zones), f=sql.SQL(zone_filter)
        )
    )
    (count,) = cur.fetchone()
    if not count:
        return
    if count > _INDEX_ABOVE_ZONES:
        cur.execute(
            sql.SQL("CREATE INDEX ON {p} USING gist ({pt})").format(
                p=sql.Identifier(_POINTS), pt=sql.Identifier(point)
            )
        )
    cur.execute(sql.SQL("ANALYZE {p} (_row)").format(p=sql.Identifier(_POINTS)))
    # The zone is the outer side of the join (LATERAL), so consecutive tests share one zone and
    # PostGIS's prepared-geometry cache holds; DISTINCT ON keeps the lowest zone id.
    cur.execute(
        sql.SQL(
            "UPDATE {d} d SET {c} = m.zone_id FROM ("
            " SELECT DISTINCT ON (p._row) p._row, z.id AS zone_id FROM {z} z"
            " CROSS JOIN LATERAL (SELECT p._row FROM {p} p"
            "  WHERE p.{pt} && z.geom AND ST_Intersects(z.geom, p.{pt})) p"
            " WHERE {f} ORDER BY p._row, z.id) m "
            "WHERE d._row = m._row"
        ).format(
            d=sql.Identifier(DERIVED),
            c=sql.Identifier(column),
            z=sql.Identifier(zones),
            p=sql.Identifier(_POINTS),
            pt=sql.Identifier(point),
            f=sql.SQL(zone_filter),
        )
    )


def _county_margin(cur: Cursor) -> None:
    """Rows in no county: the nearest county within COUNTY_MARGIN_DEG (then the lowest id), as
    layers_county_of falls back to (an import accepts features within the county's margin)."""
    cur.execute(
        sql.SQL(
            "UPDATE {d} d SET county_id = ("
            " SELECT z.id FROM layers_adminarea z WHERE z.level = 'county'"
            "  AND ST_DWithin(z.geom, p.pt_county, {margin})"
            "  ORDER BY ST_Distance(z.geom, p.pt_county), z.id LIMIT 1) "
            "FROM {p} p WHERE p._row = d._row AND d.county_id IS NULL"
            " AND EXISTS (SELECT 1 FROM layers_adminarea WHERE level = 'county')"
        ).format(
            d=sql.Identifier(DERIVED),
            p=sql.Identifier(_POINTS),
            margin=sql.Literal(COUNTY_MARGIN_DEG),
        )
    )

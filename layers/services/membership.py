"""Derived zone membership: each feature's town and supply zone, kept equal to a spatial join."""

from collections.abc import Sequence

from django.db import connection

# (table, representative point SQL, derived column, zone table, zone filter)
# A line's representative point is its midpoint; a polygon's a point on its surface.
_RULES = [
    ("layers_wateruser", "f.geom", "town_id", "layers_adminarea", "z.level = 'town'"),
    ("layers_wateruser", "f.geom", "supply_zone_id", "layers_supplyzone", "true"),
    ("layers_sewageplant", "f.geom", "town_id", "layers_adminarea", "z.level = 'town'"),
    ("layers_pipenode", "f.geom", "town_id", "layers_adminarea", "z.level = 'town'"),
    (
        "layers_pipesegment",
        "ST_LineInterpolatePoint(f.geom, 0.5)",
        "town_id",
        "layers_adminarea",
        "z.level = 'town'",
    ),
    (
        "layers_pipesegment",
        "ST_LineInterpolatePoint(f.geom, 0.5)",
        "supply_zone_id",
        "layers_supplyzone",
        "true",
    ),
    (
        "layers_irrigationdistrict",
        "ST_PointOnSurface(f.geom)",
        "town_id",
        "layers_adminarea",
        "z.level = 'town'",
    ),
]

# Which derived memberships depend on which layer slug's geometries.
DEPENDENTS = {
    "towns": {"water-users", "sewage-plants", "pipe-nodes", "pipes", "irrigation-districts"},
    "supply-zones": {"water-users", "pipes"},
}


def membership_refresh() -> int:
    """Recompute every derived town / supply-zone link by a live spatial join.

    Only rows whose membership really changes are written. Returns the number of rows changed.
    """
    changed = 0
    with connection.cursor() as cur:
        for table, point, column, zones, zone_filter in _RULES:
            # One set-based UPDATE per rule; the zone lookup uses the zones' spatial index.
            cur.execute(
                f"UPDATE {table} f SET {column} = m.zone_id FROM ("  # noqa: S608 - fixed names
                f"  SELECT f.id, (SELECT z.id FROM {zones} z WHERE {zone_filter}"
                f"    AND ST_Intersects(z.geom, {point}) ORDER BY z.id LIMIT 1) AS zone_id"
                f"  FROM {table} f) m "
                f"WHERE f.id = m.id AND f.{column} IS DISTINCT FROM m.zone_id"
            )
            changed += cur.rowcount
    return changed


def membership_refresh_rows(table: str, ids: Sequence[int]) -> int:
    """membership_refresh for the given rows of one table only (after an edit of those rows).

    table is a layer table named in the rules (e.g. "layers_pipesegment"); returns the
    number of rows whose membership changed.
    """
    rules = [rule for rule in _RULES if rule[0] == table]
    if not rules:
        raise ValueError(f"no derived membership for {table}")
    changed = 0
    if not ids:
        return changed
    with connection.cursor() as cur:
        for _table, point, column, zones, zone_filter in rules:
            cur.execute(
                f"UPDATE {table} f SET {column} = m.zone_id FROM ("  # noqa: S608 - fixed names
                f"  SELECT f.id, (SELECT z.id FROM {zones} z WHERE {zone_filter}"
                f"    AND ST_Intersects(z.geom, {point}) ORDER BY z.id LIMIT 1) AS zone_id"
                f"  FROM {table} f WHERE f.id = ANY(%s)) m "
                f"WHERE f.id = m.id AND f.{column} IS DISTINCT FROM m.zone_id",
                [list(ids)],
            )
            changed += cur.rowcount
    return changed

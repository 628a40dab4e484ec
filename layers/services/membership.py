"""Derived zone membership: each feature's town and supply zone, kept equal to a spatial join."""

from collections.abc import Sequence
from dataclasses import astuple, dataclass

from django.db import connection

from layers.registry import LAYERS, layer_spec
from layers.spec import LayerSpec

# A feature's representative point, by geometry type: a line's midpoint, a polygon's point on
# its surface.
_POINT_SQL = {
    "Point": "f.geom",
    "LineString": "ST_LineInterpolatePoint(f.geom, 0.5)",
    "Polygon": "ST_PointOnSurface(f.geom)",
}


@dataclass(frozen=True)
class _Rule:
    table: str  # the member layer's table
    point: str  # its representative point (SQL over alias f)
    column: str  # the derived FK column
    zones: str  # the zone layer's table
    zone_filter: str  # SQL over alias z (the zone layer's rows)


def _zone_filter(spec: LayerSpec) -> str:
    """The zone layer's own row filter (spec.filters: plain equality on text columns) as SQL."""
    parts = []
    for name, value in spec.filters.items():
        if not name.isidentifier() or not str(value).isidentifier():  # registry values only
            raise ValueError(f"zone filter {name}={value!r} cannot be written as SQL")
        parts.append(f"z.{name} = '{value}'")
    return " AND ".join(parts) or "true"


def _rules() -> list[_Rule]:
    """Every derived membership, from the layer specs (LayerSpec.memberships)."""
    return [
        _Rule(
            spec.table,
            _POINT_SQL[spec.geometry_type],
            column,
            layer_spec(zone_slug).table,
            _zone_filter(layer_spec(zone_slug)),
        )
        for spec in LAYERS.values()
        for column, zone_slug in spec.memberships
    ]


def membership_refresh() -> int:
    """Recompute every derived town / supply-zone link by a live spatial join.

    Only rows whose membership really changes are written. Returns the number of rows changed.
    """
    changed = 0
    with connection.cursor() as cur:
        for table, point, column, zones, zone_filter in (astuple(r) for r in _rules()):
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
    rules = [astuple(rule) for rule in _rules() if rule.table == table]
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

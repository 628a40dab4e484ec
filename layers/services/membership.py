"""Derived zone membership: each feature's town and supply zone, kept equal to a spatial join."""

from collections.abc import Sequence
from dataclasses import dataclass

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
class MembershipRule:
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


def membership_rules() -> list[MembershipRule]:
    """Every derived membership, from the layer specs (LayerSpec.memberships)."""
    return [
        MembershipRule(
            spec.table,
            _POINT_SQL[spec.geometry_type],
            column,
            layer_spec(zone_slug).table,
            _zone_filter(layer_spec(zone_slug)),
        )
        for spec in LAYERS.values()
        for column, zone_slug in spec.memberships
    ]


def _refresh(rules: list[MembershipRule], ids: Sequence[int] | None) -> int:
    """One set-based UPDATE per rule (the zone lookup uses the zones' spatial index); only rows
    whose membership really changes are written. ids None: every row."""
    changed = 0
    only = "WHERE f.id = ANY(%s)" if ids is not None else ""
    params = [list(ids)] if ids is not None else []
    with connection.cursor() as cur:
        for r in rules:
            cur.execute(
                f"UPDATE {r.table} f SET {r.column} = m.zone_id FROM ("  # noqa: S608 - spec names
                f"  SELECT f.id, (SELECT z.id FROM {r.zones} z WHERE {r.zone_filter}"
                f"    AND ST_Intersects(z.geom, {r.point}) ORDER BY z.id LIMIT 1) AS zone_id"
                f"  FROM {r.table} f {only}) m "
                f"WHERE f.id = m.id AND f.{r.column} IS DISTINCT FROM m.zone_id",
                params,
            )
            changed += cur.rowcount
    return changed


def membership_refresh() -> int:
    """Recompute every derived town / supply-zone link by a live spatial join; returns the
    number of rows changed."""
    return _refresh(membership_rules(), None)


def membership_refresh_rows(table: str, ids: Sequence[int]) -> int:
    """membership_refresh for the given rows of one table only (after an edit of those rows).

    table is a layer table with memberships in its spec (e.g. "layers_pipesegment"); returns
    the number of rows whose membership changed.
    """
    rules = [rule for rule in membership_rules() if rule.table == table]
    if not rules:
        raise ValueError(f"no derived membership for {table}")
    return _refresh(rules, ids) if ids else 0

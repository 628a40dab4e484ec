"""Reads of the network for evaluations and the action list (set-based SQL)."""

from __future__ import annotations

from layers.yearly import IN_AREA, dict_rows


def supply_zones_with_balance(area_id: int, year: int, min_diameter_mm: float) -> list[dict]:
    """Supply zones of an area with their water balance of the year (None columns: none) and
    `km`: the length in km of their in-service pipes ≥ min_diameter_mm, from the pipe layer
    itself (CJJ 92-2016), so an engineer's edit moves it."""
    return dict_rows(
        "SELECT f.id, f.code, f.name, b.system_input_m3, b.billed_authorized_m3, "  # noqa: S608 (constants)
        " b.unbilled_authorized_m3, b.household_metered_residential_m3, "
        " b.mean_outlet_pressure_mpa, b.max_frost_depth_m, "
        " (SELECT sum(p.length_m) / 1000.0 FROM layers_pipesegment p "
        "  WHERE p.supply_zone_id = f.id AND p.status = 'in_service' "
        "  AND p.diameter_mm >= %(min_dn)s) AS km "
        "FROM layers_supplyzone f "
        "LEFT JOIN layers_waterbalance b ON b.zone_id = f.id AND b.year = %(year)s "
        f"WHERE {IN_AREA} ORDER BY f.code",  # a constant condition; values: params
        {"area": area_id, "year": year, "min_dn": min_diameter_mm},
    )


# Leaks per km weigh most, then age (50 years = one point), then the material's risk.
_WORTH_REPLACING = """
SELECT p.id, p.code, p.material, p.diameter_mm, p.install_year, p.length_m,
       count(l.id) * 1000.0 / greatest(p.length_m, 1) AS leaks_per_km
FROM layers_pipesegment p
LEFT JOIN layers_leakrecord l ON l.pipe_id = p.id
LEFT JOIN unnest(%(materials)s::text[], %(risks)s::float[]) AS r(material, risk)
       ON r.material = p.material
WHERE p.supply_zone_id = %(zone)s AND p.status = 'in_service'
GROUP BY p.id, r.risk
ORDER BY count(l.id) * 1000.0 / greatest(p.length_m, 1) * 10
         + (extract(year FROM now()) - coalesce(p.install_year, 2000)) / 50.0
         + coalesce(r.risk, 0.5) DESC, p.code
LIMIT %(limit)s"""


def pipes_worth_replacing(
    *, zone_id: int, material_risk: dict[str, float], limit: int
) -> list[dict]:
    """A supply zone's in-service pipes ranked for replacement: id, code, material, diameter_mm,
    install_year, length_m, leaks_per_km. material_risk: material -> relative risk (0.5 for
    a material not listed)."""
    return dict_rows(
        _WORTH_REPLACING,
        {
            "materials": list(material_risk),
            "risks": list(material_risk.values()),
            "zone": zone_id,
            "limit": limit,
        },
    )

"""Hazen-Williams roughness coefficient C of a pipe by material and age (pure, no Django).

New-pipe values: US EPA, EPANET 2.2 Users Manual (EPA/600/R-20/133, 2020), §3.1 "Pipes",
Table 3.2 "Roughness Coefficients for New Pipe": cast iron 130–140, concrete or concrete lined
120–140, galvanized iron 120, plastic 140–150, steel 140–150, vitrified clay 110. The lower end
of each range is taken (conservative: more head loss, lower pressures).

Ageing: Table 3.2 gives new pipe only. Unlined metal pipe loses capacity as it corrodes and
tuberculates; the yearly loss and the floor below are a rule of thumb of the kind quoted in
hydraulics textbooks (e.g. Walski, "Analysis of Water Distribution Systems", 1984), not a
confirmed table: `verified` is False on every row that uses them and on every material whose
mapping to a Table 3.2 row is our assumption (ductile iron is cement-mortar lined in Chinese
practice, GB/T 13295, so it takes the "concrete lined" row). docs/hydraulics.md lists the table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Roughness:
    """C of a new pipe, the C lost per year of service, the C it never falls below, where the
    new value comes from and whether the row is confirmed as a whole."""

    new_c: float
    loss_per_year: float
    floor_c: float
    source: str
    verified: bool


_TABLE_32 = "EPANET 2.2 Users Manual, Table 3.2"
ROUGHNESS: dict[str, Roughness] = {
    # Plastic pipes do not corrode: Table 3.2 "Plastic" 140–150, no ageing.
    "PE": Roughness(140.0, 0.0, 140.0, f"{_TABLE_32}: plastic 140–150", True),
    "PVC": Roughness(140.0, 0.0, 140.0, f"{_TABLE_32}: plastic 140–150", True),
    # Cement-mortar lined: "concrete lined" 120–140; slow loss (assumption).
    "ductile_iron": Roughness(
        130.0, 0.2, 110.0, f"{_TABLE_32}: concrete lined 120–140 (mapping assumed)", False
    ),
    # Unlined grey cast iron tuberculates: 130 new, about −1 per year, never below 80.
    "cast_iron": Roughness(
        130.0, 1.0, 80.0, f"{_TABLE_32}: cast iron 130–140; ageing rule of thumb", False
    ),
    # Steel 140–150 new; unlined or poorly coated steel corrodes (assumed −0.8 per year).
    "steel": Roughness(
        140.0, 0.8, 90.0, f"{_TABLE_32}: steel 140–150; ageing rule of thumb", False
    ),
    "concrete": Roughness(120.0, 0.0, 120.0, f"{_TABLE_32}: concrete 120–140", True),
    # Unknown material: the galvanized-iron value, the lowest of the metal rows (assumption).
    "other": Roughness(120.0, 0.0, 120.0, f"{_TABLE_32}: galvanized iron 120 (assumed)", False),
}
# A pipe without an install year is taken as this old (a conservative middle age).
UNKNOWN_AGE_YEARS = 30


def hazen_williams_c(material: str, install_year: int | None, year: int) -> float:
    """C of a pipe of `material` installed in `install_year`, in `year` (unitless).

    C = max(floor, new − loss_per_year × age), age = year − install_year (never negative;
    UNKNOWN_AGE_YEARS when the install year is not known). An unknown material takes 'other'.
    """
    row = ROUGHNESS.get(material, ROUGHNESS["other"])
    age = UNKNOWN_AGE_YEARS if install_year is None else max(0, year - install_year)
    return round(max(row.floor_c, row.new_c - row.loss_per_year * age), 1)

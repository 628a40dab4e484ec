"""What each verdict depends on, and the least re-evaluation that makes stale verdicts fresh.

Pure: data versions in, a plan out (compliance/evaluation.py runs it).
"""

from __future__ import annotations

from dataclasses import dataclass

from compliance.evaluators import FEATURE_FAMILIES
from compliance.register_figures import REGISTER_KEYS
from compliance.scorecard import FIGURES
from compliance.services import INDICATORS_KEY

COUNTY_FAMILY = "county"
STATS_KEY = "area-stats"  # the county's statistics of a year (population, GDP, cap)
REGISTERS_PART = "registers"  # CountyInput part read by the management lines
# Scored lines outside the management registers that also read a register (for the detail
# behind a statistic): they are not "management lines" a scenario may assume.
REGISTER_READS: dict[str, tuple[str, ...]] = {
    **REGISTER_KEYS,
    "county.nonconventional_use": ("nonconventional-uses",),
}
COUNTY_EXTRA_DEPENDENCIES = (STATS_KEY, *sorted({k for ks in REGISTER_READS.values() for k in ks}))


def family_dependencies(family: str) -> tuple[str, ...]:
    """The data versions a family's verdicts depend on (indicators always among them)."""
    if family == COUNTY_FAMILY:
        keys = {k for _fn, deps in FEATURE_FAMILIES.values() for k in deps}
        keys |= set(COUNTY_EXTRA_DEPENDENCIES)
    else:
        keys = set(FEATURE_FAMILIES[family][1])
    return tuple(sorted(keys | {INDICATORS_KEY}))


# The part of the inputs each feature family reads (compliance/inputs.py INPUT_PARTS).
FAMILY_INPUTS = {
    "wfz": ("zones",),
    "supply": ("supply_zones",),
    "sewage": ("plants",),
    "town": ("towns", "users"),  # town caps compare the towns' users' use
    "irrigation": ("districts",),
    "user": ("users",),
}
# The layer (API slug) whose features each family judges; a layer no family judges (pipes,
# pipe nodes) carries no verdict, so reading it never waits for an evaluation.
FAMILY_LAYERS = {
    "wfz": "water-function-zones",
    "supply": "supply-zones",
    "sewage": "sewage-plants",
    "town": "towns",
    "irrigation": "irrigation-districts",
    "user": "water-users",
    COUNTY_FAMILY: "county",
}
# What each scorecard line's figure uses (compliance/scorecard.py FIGURES): the families whose
# inputs or verdicts it reads, and whether it reads the county's statistics of the year. A
# line changes only when one of these changes; a line not listed depends on everything.
COUNTY_LINE_SOURCES: dict[str, tuple[tuple[str, ...], bool]] = {
    # the cap line reads users' consumption and irrigation withdrawals as its cross-check
    "county.total_use_vs_cap": (("user", "irrigation"), True),
    "county.gdp_intensity_decline": ((), True),
    "county.industrial_intensity_decline": ((), True),
    "county.planned_use_coverage": (("user",), False),
    "county.irrigation_metering": (("irrigation",), False),
    "county.industry_metering": (("user",), False),
    "county.services_metering": (("user",), False),
    "county.carrier_enterprise_share": (("user",), False),
    "county.carrier_institution_share": (("user",), False),
    "county.carrier_community_share": (("user",), False),
    "county.supply_leakage": (("supply",), False),
    "county.irrigation_coefficient": (("irrigation",), False),
    "county.nonconventional_use": (("sewage",), True),  # the plants' reclaimed water: detail
    "county.efficient_irrigation": (("irrigation",), False),
    "county.wfz_compliance_rate": (("wfz",), False),
    "county.town_cap_compliance": (("town",), False),
    "county.sewage_coverage": (("town",), False),
    "county.sewage_effluent": (("sewage",), False),
    "county.reclaimed_water_rate": (("sewage",), False),
    # Management lines: the registers (REGISTER_KEYS); quota checks read the users' use.
    "county.quota_management": (("user",), False),
    "county.water_price_mechanism": ((), False),
    "county.three_simultaneities": ((), False),
    "county.water_saving_appliances": ((), False),
    "county.publicity": ((), False),
    "county.bonus_benchmark": ((), False),
    "county.bonus_incentives": ((), False),
    "county.key_user_monitoring": (("user",), False),
    "county.resource_levy_collection": (("user",), False),
}


def families_of_layer(slug: str) -> tuple[str, ...]:
    """The families whose verdicts a layer's features carry (empty: the layer has none)."""
    return tuple(f for f, layer in FAMILY_LAYERS.items() if layer == slug)


def county_line_sources(code: str) -> tuple[tuple[str, ...], bool]:
    """(families, reads the statistics) behind a scorecard line. A line without a figure (no
    data in the system: a constant verdict) reads nothing; an undeclared figure, everything."""
    if code in COUNTY_LINE_SOURCES:
        return COUNTY_LINE_SOURCES[code]
    return ((), False) if code not in FIGURES else (tuple(FEATURE_FAMILIES), True)


def county_line_dependencies(code: str) -> set[str]:
    """The data versions one scorecard line depends on."""
    families, stats = county_line_sources(code)
    keys = {k for f in families for k in family_dependencies(f)} | {INDICATORS_KEY}
    keys |= set(REGISTER_READS.get(code, ()))
    return keys | {STATS_KEY} if stats else keys


@dataclass(frozen=True)
class EvaluationPlan:
    """What to re-evaluate: whole feature families, and scorecard lines (by code)."""

    families: tuple[str, ...]
    county_lines: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.families or self.county_lines)


def evaluation_plan(
    versions: dict[str, int],
    runs: dict[str, dict],
    county_codes: list[str],
    wanted: tuple[str, ...] | None = None,
) -> EvaluationPlan:
    """The least re-evaluation that makes the `wanted` families (default: all) fresh (pure).

    versions: current data versions; runs: family -> the versions its stored verdicts were
    computed from. A stale feature family is evaluated whole. Of the scorecard, only the lines
    whose own dependencies changed are recomputed (a pipe edit recomputes the leakage line,
    not the lines built from 25,000 users); the families those lines read are evaluated too.
    """
    wanted = tuple(wanted or (*FEATURE_FAMILIES, COUNTY_FAMILY))

    def current(keys) -> dict[str, int]:
        return {k: versions.get(k, 0) for k in keys}

    families = [
        f
        for f in FEATURE_FAMILIES
        if f in wanted and runs.get(f) != current(family_dependencies(f))
    ]
    lines: list[str] = []
    county_run = runs.get(COUNTY_FAMILY)
    if COUNTY_FAMILY in wanted and county_run != current(family_dependencies(COUNTY_FAMILY)):
        changed = {
            k
            for k in family_dependencies(COUNTY_FAMILY)
            if county_run is None or county_run.get(k) != versions.get(k, 0)
        }
        lines = [c for c in county_codes if county_line_dependencies(c) & changed]
        for code in lines:
            families += [f for f in county_line_sources(code)[0] if f not in families]
    return EvaluationPlan(tuple(f for f in FEATURE_FAMILIES if f in families), tuple(lines))

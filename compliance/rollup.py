"""The city roll-up (e.g. 清远市 of its counties): figures that add, summed from the counties'
own inputs, ratios recomputed from the sums, and how many counties pass each scorecard line.

A ratio of the city is never an average of the counties' ratios: water use per 10,000 yuan of
GDP is Σ use / Σ GDP. A figure some county lacks is not summed (a partial sum would read as the
city's); it is None and names the counties that lack it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compliance.scorecard import ABSTRACTION_SOURCES, CANNOT_BE_JUDGED, FAILED, PASSED
from compliance.selectors import scorecard
from layers.models import AdminArea
from layers.yearly import area_stats_history, districts_with_record

# Figures that add across counties: key -> unit. Names are given by the views (translated).
ADDITIVE = {
    "population": "persons",
    "gdp_10k_yuan": "10k yuan",
    "industrial_value_added_10k_yuan": "10k yuan",
    "water_use_m3": "m³",
    "industrial_use_m3": "m³",
    "irrigated_area_mu": "mu",
    "irrigation_gross_m3": "m³",
    "irrigation_net_field_m3": "m³",
}
# Ratios recomputed from the sums: key -> (numerator, denominator, factor, unit).
RATIOS = {
    "use_per_10k_gdp": ("water_use_m3", "gdp_10k_yuan", 1.0, "m³/10k yuan"),
    "use_per_person_lpd": ("water_use_m3", "population", 1000.0 / 365.0, "L/person/day"),
    "industrial_use_per_10k_iva": (
        "industrial_use_m3",
        "industrial_value_added_10k_yuan",
        1.0,
        "m³/10k yuan",
    ),
    "irrigation_m3_per_mu": ("irrigation_gross_m3", "irrigated_area_mu", 1.0, "m³/mu"),
    "irrigation_efficiency": ("irrigation_net_field_m3", "irrigation_gross_m3", 1.0, ""),
}


@dataclass
class CountyFigures:
    """One county's additive figures of a year (None: not reported) and its scorecard."""

    code: str
    name: str
    figures: dict[str, float | None]
    verdict: str = ""
    total: float | None = None
    pass_line: float | None = None
    lines: dict[str, str] = field(default_factory=dict)  # scorecard line code -> status
    line_names: dict[str, str] = field(default_factory=dict)

    @property
    def ratios(self) -> dict[str, float | None]:
        """The county's own ratios (RATIOS) from its own figures."""
        return {key: ratio(self.figures, key) for key in RATIOS}


def ratio(figures: dict[str, float | None], key: str) -> float | None:
    """A ratio of RATIOS from figures (None when a part is missing or the divisor is 0)."""
    num, den, factor, _unit = RATIOS[key]
    n, d = figures.get(num), figures.get(den)
    if n is None or not d:
        return None
    return n / d * factor


def rollup_figures(counties: list[CountyFigures]) -> dict:
    """The city's sums and recomputed ratios from its counties' figures.

    Returns {"sums": {key: value or None}, "missing": {key: [county names]},
    "ratios": {key: value or None}}: a sum is None when any county lacks the figure.
    """
    sums: dict[str, float | None] = {}
    missing: dict[str, list[str]] = {}
    for key in ADDITIVE:
        lacking = [c.name for c in counties if c.figures.get(key) is None]
        missing[key] = lacking
        sums[key] = (
            None if lacking or not counties else sum(c.figures[key] or 0.0 for c in counties)
        )
    return {
        "sums": sums,
        "missing": missing,
        "ratios": {key: ratio(sums, key) for key in RATIOS},
    }


def rollup_lines(counties: list[CountyFigures]) -> list[dict]:
    """Per scorecard line: how many counties meet it, fail it, cannot judge it, of m counties."""
    codes = sorted({code for c in counties for code in c.lines})
    out = []
    for code in codes:
        statuses = [c.lines.get(code, "no_data") for c in counties]
        name = next((c.line_names[code] for c in counties if code in c.line_names), code)
        out.append(
            {
                "code": code,
                "name": name,
                "compliant": statuses.count("compliant"),
                "non_compliant": statuses.count("non_compliant"),
                "no_data": len(statuses)
                - statuses.count("compliant")
                - statuses.count("non_compliant"),
                "counties": len(counties),
                "failing": [c.name for c in counties if c.lines.get(code) == "non_compliant"],
            }
        )
    return out


def county_figures(area: AdminArea, year: int) -> CountyFigures:
    """A county's additive figures of `year` from its own inputs (area statistics and the
    irrigation districts' records) and its stored scorecard (compliance.selectors.scorecard)."""
    stats = area_stats_history(area.id).get(year) or {}
    sources = [stats.get(k) for k in ABSTRACTION_SOURCES]
    records = [d for d in districts_with_record(area.id, year) if d["gross_withdrawal_m3"]]

    def total(key: str) -> float | None:
        return sum(d[key] or 0.0 for d in records) if records else None

    figures = {
        "population": stats.get("population"),
        "gdp_10k_yuan": stats.get("gdp_10k_yuan"),
        "industrial_value_added_10k_yuan": stats.get("industrial_value_added_10k_yuan"),
        # the county's total use = Σ abstractions by source (scorecard.abstraction_total)
        "water_use_m3": None if all(v is None for v in sources) else sum(v or 0 for v in sources),
        "industrial_use_m3": stats.get("industrial_use_m3"),
        "irrigated_area_mu": total("irrigated_area_mu"),
        "irrigation_gross_m3": total("gross_withdrawal_m3"),
        "irrigation_net_field_m3": total("net_field_m3"),
    }
    card = scorecard(area, year)
    lines = [line for line in card["lines"] if line["assessment"] == "standard_2017"]
    return CountyFigures(
        code=area.code,
        name=area.name,
        figures=figures,
        verdict=card["verdict"],
        total=card["total"] if card["lines"] else None,
        pass_line=card["pass_line"] if card["pass_line"] != float("inf") else None,
        lines={line["code"]: line["status"] for line in lines},
        line_names={line["code"]: line["name"] for line in lines},
    )


def city_counties(city: AdminArea) -> list[AdminArea]:
    """The counties of a city (its children of level county), by code."""
    return list(AdminArea.objects.filter(parent=city, level="county").order_by("code"))


def city_rollup(city: AdminArea, year: int) -> dict:
    """The roll-up of `city` for `year`: each county's figures and verdict, the city's sums and
    ratios recomputed from the sums, and per scorecard line "n of m counties pass". Only the
    counties in the reader's scope take part; hidden_counties says how many are left out."""
    counties = [county_figures(a, year) for a in city_counties(city)]
    verdicts = [c.verdict for c in counties]
    # Counties outside the reader's area (layers/scope.py) are left out, and said to be.
    every = AdminArea._base_manager.filter(parent=city, level="county").count()
    return {
        "area": city.code,
        "area_name": city.name,
        "year": year,
        "counties": counties,
        **rollup_figures(counties),
        "lines": rollup_lines(counties),
        "passed": verdicts.count(PASSED),
        "failed": verdicts.count(FAILED),
        "cannot_be_judged": verdicts.count(CANNOT_BE_JUDGED),
        "county_count": len(counties),
        "hidden_counties": every - len(counties),
    }

"""Evaluation: read the inputs, run every family's rules and the scorecard, store the verdicts.

Results carry the data versions they were computed from; compliance/freshness.py tells reads
whether they are current, and the evaluation worker (compliance/worker.py) re-evaluates what a
write has made stale. Reads never evaluate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from compliance.dependencies import (
    COUNTY_FAMILY,
    FAMILY_INPUTS,
    REGISTER_READS,
    REGISTERS_PART,
    EvaluationPlan,
    county_line_sources,
    family_dependencies,
)
from compliance.evaluators import FEATURE_FAMILIES, IndicatorData, Row
from compliance.inputs import RECEIVING_RADIUS_M, CountyInput, county_input
from compliance.models import Indicator, Result
from compliance.rules.service_pressure import min_pressure_m
from compliance.scorecard import county_rows
from compliance.services import results_store
from compliance.year_data import year_has_data
from layers.models import AdminArea
from layers.selectors import county_find
from layers.services.versions import layer_versions

Progress = Callable[[str, int, int], None]


def indicators_data() -> tuple[dict[str, IndicatorData], dict[str, Indicator]]:
    """Every indicator as rule data, and the rows themselves, by code."""
    rows = {i.code: i for i in Indicator.objects.all()}
    data = {
        code: IndicatorData(
            code=code,
            threshold=i.threshold,
            params=i.params or {},
            unit=i.unit,
            comparator=i.comparator,
            points=i.points,
            kind=i.kind,
            ref=f"{i.source} {i.clause}".strip(),
            assessment=i.assessment,
            category=i.category,
        )
        for code, i in rows.items()
    }
    return data, rows


@dataclass
class Evaluation:
    """Every verdict row of a county and year (features and scorecard lines)."""

    area: AdminArea
    year: int
    rows: list[Row]
    inputs: CountyInput | None  # None: the year holds no data, nothing was evaluated


def evaluate_inputs(
    data: CountyInput,
    ind: dict[str, IndicatorData],
    names_zh: dict[str, str],
    progress: Progress | None = None,
) -> list[Row]:
    """Run every family on already-read inputs (pure: scenarios call this with overrides)."""
    rows: list[Row] = []
    steps = len(FEATURE_FAMILIES) + 1
    for n, (evaluator, _deps) in enumerate(FEATURE_FAMILIES.values(), start=1):
        rows += evaluator(data, ind)
        if progress:
            progress(f"evaluate {data.year}", n, steps)
    rows += county_rows(data, rows, ind, names_zh)
    if progress:
        progress(f"evaluate {data.year}", steps, steps)
    return rows


def rows_as_results(
    rows: list[Row], area: AdminArea, year: int, indicators: dict[str, Indicator]
) -> list[Result]:
    """Verdict rows as (unsaved) Result objects."""
    now = timezone.now()
    return [
        Result(
            indicator=indicators[r.indicator],
            layer=r.layer,
            feature_id=r.feature_id,
            feature_code=r.feature_code,
            area=area,
            year=year,
            value=r.verdict.value,
            threshold=r.verdict.threshold,
            unit=r.verdict.unit,
            status=r.verdict.status,
            explanation_zh=r.verdict.explanation_zh,
            explanation_en=r.verdict.explanation_en,
            details=r.verdict.details,
            evaluated_at=now,
        )
        for r in rows
    ]


def county_of(area_code: str | None, *, with_geometry: bool = True) -> AdminArea:
    """The county to evaluate: by code, or the only county in the database.

    Without geometry the outline (thousands of vertices) is loaded only if used: the hot read
    paths need just the county's id to check that verdicts are fresh.
    """
    county = county_find(area_code, with_geometry=with_geometry)
    if county is None:
        raise AdminArea.DoesNotExist(f"no county {area_code or ''}".strip())
    return county


def read_inputs(area: AdminArea, year: int, ind: dict[str, IndicatorData]) -> CountyInput:
    """The county's inputs for a year (the pipe-diameter line comes from the leakage rule)."""
    return county_input(area, year, **input_options(ind))


def input_options(ind: dict[str, IndicatorData]) -> dict:
    """The reading options the rules' data name: DN75 line, rasters, receiving-water radius."""
    return {
        "min_diameter_mm": ind["supply.leakage"].params.get("min_diameter_mm", 0),
        "land_use_raster": ind["irrigation.paddy_area"].params.get("raster"),
        "rainfall_raster": ind["irrigation.net_demand"].params.get("raster"),
        "receiving_radius_m": ind["sewage.receiving_grade"].params.get(
            "search_radius_m", RECEIVING_RADIUS_M
        ),
        **(
            {"service_pressure_m": min_pressure_m(ind["supply.service_pressure"].params)}
            if "supply.service_pressure" in ind
            else {}
        ),
    }


def names_of(indicators: dict[str, Indicator]) -> dict[str, str]:
    return {code: i.name_zh for code, i in indicators.items()}


def _store(
    area: AdminArea,
    year: int,
    results: list[Result],
    codes_by_family: dict[str, list[str]],
    versions: dict[str, int],
    duration_ms: int,
) -> None:
    """Store the results of each family in `codes_by_family` (only those indicator codes are
    replaced) and note each family's run with the versions its verdicts now reflect."""
    for family, codes in codes_by_family.items():
        wanted = set(codes)
        results_store(
            family_codes=codes,
            area_id=area.id,
            year=year,
            rows=[r for r in results if r.indicator.code in wanted],
            family=family,
            versions={k: versions.get(k, 0) for k in family_dependencies(family)},
            duration_ms=duration_ms,
        )


def _codes_by_family(indicators: dict[str, Indicator]) -> dict[str, list[str]]:
    return {
        family: [code for code, i in indicators.items() if i.family == family]
        for family in [*FEATURE_FAMILIES, COUNTY_FAMILY]
    }


@transaction.atomic
def evaluate(*, area: AdminArea, year: int, progress: Progress | None = None) -> Evaluation:
    """Evaluate a county for a year and store every result (replacing the previous ones).

    A year without any data of the county stores nothing (rows empty, inputs None).
    """
    if not year_has_data(area, year):
        return Evaluation(area=area, year=year, rows=[], inputs=None)
    lock_county_year(area, year)
    started = time.monotonic()
    versions = layer_versions()
    ind, rows_by_code = indicators_data()
    data = read_inputs(area, year, ind)
    rows = evaluate_inputs(data, ind, names_of(rows_by_code), progress)
    duration = int((time.monotonic() - started) * 1000)
    results = rows_as_results(rows, area, year, rows_by_code)
    _store(area, year, results, _codes_by_family(rows_by_code), versions, duration)
    return Evaluation(area=area, year=year, rows=rows, inputs=data)


def evaluate_plan(area: AdminArea, year: int, plan: EvaluationPlan) -> list[Row]:
    """Re-evaluate what `plan` names, reading only the inputs it needs, and store it.

    Call under the county-year lock (freshness.results_ensure_fresh). The scorecard run is
    stored with the current versions: its other lines depend on nothing that changed since they were
    computed. Returns the new verdict rows.
    """
    started = time.monotonic()
    versions = layer_versions()
    ind, rows_by_code = indicators_data()
    parts = {p for f in plan.families for p in FAMILY_INPUTS[f]}
    if any(county_line_sources(c)[1] for c in plan.county_lines):
        parts.add("stats")
    if any(c in REGISTER_READS for c in plan.county_lines):
        parts.add(REGISTERS_PART)
    data = county_input(area, year, **input_options(ind), parts=frozenset(parts))
    rows: list[Row] = []
    for family in plan.families:
        rows += FEATURE_FAMILIES[family][0](data, ind)
    lines = set(plan.county_lines)
    line_ind = {c: i for c, i in ind.items() if not c.startswith("county.") or c in lines}
    rows += county_rows(data, rows, line_ind, names_of(rows_by_code))
    codes = _codes_by_family(rows_by_code)
    stored = {f: codes[f] for f in plan.families}
    if plan.county_lines:
        stored[COUNTY_FAMILY] = [c for c in codes[COUNTY_FAMILY] if c in lines]
    duration = int((time.monotonic() - started) * 1000)
    _store(area, year, rows_as_results(rows, area, year, rows_by_code), stored, versions, duration)
    return rows


def lock_county_year(area: AdminArea | int, year: int) -> None:
    """Serialise evaluations of one county-year (two workers must not store twice)."""
    area_id = area if isinstance(area, int) else area.id
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [area_id, year])

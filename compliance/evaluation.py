"""Evaluation: read the inputs, run every family's rules and the scorecard, store the verdicts.

Results carry the data versions they were computed from; `results_ensure_fresh` re-evaluates
whatever an import or an edit has made stale before anything is shown.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from layers.models import AdminArea
from layers.services.versions import layer_versions

from .dependencies import (
    COUNTY_FAMILY,
    FAMILY_INPUTS,
    EvaluationPlan,
    county_line_sources,
    evaluation_plan,
    family_dependencies,
)
from .evaluators import FEATURE_FAMILIES, IndicatorData, Row
from .inputs import CountyInput, county_input
from .models import Indicator, Result
from .scorecard import county_rows
from .services import results_store

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
    inputs: CountyInput


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
    qs = AdminArea.objects.filter(level=AdminArea.Level.COUNTY)
    if not with_geometry:
        qs = qs.defer("geom")
    return qs.get(code=area_code) if area_code else qs.order_by("code").first() or qs.get()


def read_inputs(area: AdminArea, year: int, ind: dict[str, IndicatorData]) -> CountyInput:
    """The county's inputs for a year (the pipe-diameter line comes from the leakage rule)."""
    return county_input(
        area,
        year,
        ind["supply.leakage"].params.get("min_diameter_mm", 0),
        land_use_raster=ind["irrigation.paddy_area"].params.get("raster"),
        rainfall_raster=ind["irrigation.net_demand"].params.get("raster"),
    )


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
    """Evaluate a county for a year and store every result (replacing the previous ones)."""
    _lock(area, year)
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

    Call under the county-year lock (results_ensure_fresh). The scorecard run is stored with
    the current versions: its other lines depend on nothing that changed since they were
    computed. Returns the new verdict rows.
    """
    started = time.monotonic()
    versions = layer_versions()
    ind, rows_by_code = indicators_data()
    parts = {FAMILY_INPUTS[f] for f in plan.families}
    if any(county_line_sources(c)[1] for c in plan.county_lines):
        parts.add("stats")
    data = county_input(
        area,
        year,
        ind["supply.leakage"].params.get("min_diameter_mm", 0),
        land_use_raster=ind["irrigation.paddy_area"].params.get("raster"),
        rainfall_raster=ind["irrigation.net_demand"].params.get("raster"),
        parts=frozenset(parts),
    )
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


# One statement: the county (the first by code, as county_of(None)), every data version, and
# the versions each family's stored verdicts of the year were computed from.
_STATE_SQL = """
SELECT a.id,
  (SELECT coalesce(json_object_agg(v.key, v.version), json_build_object())
   FROM layers_layerversion v)::text,
  (SELECT coalesce(json_object_agg(r.family, r.versions), json_build_object())
   FROM compliance_evaluationrun r WHERE r.area_id = a.id AND r.year = %s)::text
FROM layers_adminarea a WHERE a.level = 'county' {where} ORDER BY a.code LIMIT 1"""


@dataclass(frozen=True)
class FreshnessState:
    area_id: int
    versions: dict[str, int]
    runs: dict[str, dict]


def freshness_state(year: int, area_id: int | None = None) -> FreshnessState | None:
    """The county's data versions and evaluation runs of a year, in one query (None: no county)."""
    where = "AND a.id = %s" if area_id is not None else ""
    params = [year] if area_id is None else [year, area_id]
    with connection.cursor() as cur:
        cur.execute(_STATE_SQL.format(where=where), params)
        row = cur.fetchone()
    if row is None:
        return None
    return FreshnessState(row[0], json.loads(row[1]), json.loads(row[2]))


def _county_codes() -> list[str]:
    codes = Indicator.objects.filter(family=COUNTY_FAMILY).order_by("code")
    return list(codes.values_list("code", flat=True))


def stale_families(area: AdminArea, year: int) -> list[str]:
    """Families whose stored verdicts are older than the data (or were never computed)."""
    state = freshness_state(year, area.id)
    runs = state.runs if state else {}
    versions = state.versions if state else layer_versions()
    return [
        family
        for family in [*FEATURE_FAMILIES, COUNTY_FAMILY]
        if runs.get(family) != {k: versions.get(k, 0) for k in family_dependencies(family)}
    ]


def _lock(area: AdminArea | int, year: int) -> None:
    """Serialise evaluations of one county-year (two requests must not store twice)."""
    area_id = area if isinstance(area, int) else area.id
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [area_id, year])


def _stale(state: FreshnessState, wanted: tuple[str, ...]) -> bool:
    return any(
        state.runs.get(f) != {k: state.versions.get(k, 0) for k in family_dependencies(f)}
        for f in wanted
    )


def results_ensure_fresh(
    area: AdminArea | None, year: int, families: tuple[str, ...] | None = None
) -> bool:
    """Re-evaluate what is stale among `families` (default: all) of the county; True when it had to.

    area None: the county (as county_of(None)), found in the same query as the versions. One
    query when everything is fresh. Otherwise under a lock per county-year, so concurrent
    readers wait for the one evaluation in progress and then find it done instead of
    starting another; only the stale families (and scorecard lines) are re-evaluated.
    """
    wanted = tuple(families or (*FEATURE_FAMILIES, COUNTY_FAMILY))
    state = freshness_state(year, area.id if area is not None else None)
    if state is None or not _stale(state, wanted):
        return False
    with transaction.atomic():
        _lock(state.area_id, year)
        state = freshness_state(year, state.area_id)  # another request may have evaluated
        plan = evaluation_plan(state.versions, state.runs, _county_codes(), wanted)
        if not plan:
            return False
        if area is None:
            area = AdminArea.objects.defer("geom").get(id=state.area_id)
        evaluate_plan(area, year, plan)
    return True

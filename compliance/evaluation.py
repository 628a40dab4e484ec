"""Evaluation: read the inputs, run every family's rules and the scorecard, store the verdicts.

Results carry the data versions they were computed from; `results_ensure_fresh` re-evaluates
whatever an import or an edit has made stale before anything is shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from layers.models import AdminArea
from layers.services.versions import layer_versions

from .evaluators import FEATURE_FAMILIES, IndicatorData, Row
from .inputs import CountyInput, county_input
from .models import EvaluationRun, Indicator, Result
from .scorecard import county_rows
from .services import INDICATORS_KEY, results_store

COUNTY_FAMILY = "county"
COUNTY_EXTRA_DEPENDENCIES = ("area-stats",)
Progress = Callable[[str, int, int], None]


def family_dependencies(family: str) -> tuple[str, ...]:
    """The data versions a family's verdicts depend on (indicators always among them)."""
    if family == COUNTY_FAMILY:
        keys = {k for _fn, deps in FEATURE_FAMILIES.values() for k in deps}
        keys |= set(COUNTY_EXTRA_DEPENDENCIES)
    else:
        keys = set(FEATURE_FAMILIES[family][1])
    return tuple(sorted(keys | {INDICATORS_KEY}))


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
    families = {
        family: [code for code, i in rows_by_code.items() if i.family == family]
        for family in [*FEATURE_FAMILIES, COUNTY_FAMILY]
    }
    family_of = {code: i.family for code, i in rows_by_code.items()}
    all_results = rows_as_results(rows, area, year, rows_by_code)
    for family, codes in families.items():
        results = [r for r in all_results if family_of[r.indicator.code] == family]
        deps = {k: versions.get(k, 0) for k in family_dependencies(family)}
        results_store(
            family_codes=codes,
            area_id=area.id,
            year=year,
            rows=results,
            family=family,
            versions=deps,
            duration_ms=duration,
        )
    return Evaluation(area=area, year=year, rows=rows, inputs=data)


def stale_families(area: AdminArea, year: int) -> list[str]:
    """Families whose stored verdicts are older than the data (or were never computed)."""
    versions = layer_versions()
    runs = {r.family: r.versions for r in EvaluationRun.objects.filter(area=area, year=year)}
    stale = []
    for family in [*FEATURE_FAMILIES, COUNTY_FAMILY]:
        current = {k: versions.get(k, 0) for k in family_dependencies(family)}
        if runs.get(family) != current:
            stale.append(family)
    return stale


def _lock(area: AdminArea, year: int) -> None:
    """Serialise evaluations of one county-year (two requests must not store twice)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [area.id, year])


def results_ensure_fresh(area: AdminArea, year: int) -> bool:
    """Re-evaluate the county when any verdict is stale; True when it had to.

    Under a lock, so concurrent readers wait for one evaluation instead of racing.
    """
    if not stale_families(area, year):
        return False
    with transaction.atomic():
        _lock(area, year)
        if not stale_families(area, year):  # another request evaluated while we waited
            return False
        evaluate(area=area, year=year)
    return True

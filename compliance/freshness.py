"""Are the stored verdicts current? And bringing them up to date (for the evaluation worker).

Reads ask `verdict_freshness` and show the stored verdicts with `fresh`, `evaluated_at` and
the data versions they were computed from; they never evaluate. `results_ensure_fresh` is the
writer's side: the worker (compliance/worker.py), `evaluate` and the demo loader call it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection, transaction

from compliance.dependencies import COUNTY_FAMILY, evaluation_plan, family_dependencies
from compliance.evaluation import evaluate_plan, lock_county_year
from compliance.evaluators import FEATURE_FAMILIES
from compliance.models import EvaluationRun, Indicator
from compliance.year_data import year_has_data
from layers.models import AdminArea
from layers.services.versions import VERSIONS_SQL

# One statement: the county (the first by code, as county_of(None), from layers' own query),
# every data version (layers' VERSIONS_SQL), and for each family the versions its stored
# verdicts of the year were computed from and when.
_STATE_SQL = """
SELECT a.id, {versions}::text,
  (SELECT coalesce(json_object_agg(r.family, r.versions), json_build_object())
   FROM compliance_evaluationrun r WHERE r.area_id = a.id AND r.year = %s)::text,
  (SELECT coalesce(json_object_agg(r.family, r.evaluated_at), json_build_object())
   FROM compliance_evaluationrun r WHERE r.area_id = a.id AND r.year = %s)::text
FROM ({county}) a"""


@dataclass(frozen=True)
class FreshnessState:
    area_id: int
    versions: dict[str, int]
    runs: dict[str, dict]
    evaluated_at: dict[str, str]


def freshness_state(year: int, area_id: int | None = None) -> FreshnessState | None:
    """The county's data versions and evaluation runs of a year, in one query (None: no county)."""
    county = AdminArea.objects.filter(level=AdminArea.Level.COUNTY)
    if area_id is not None:
        county = county.filter(id=area_id)
    county_sql, county_params = county.order_by("code").values("id")[:1].query.sql_with_params()
    sql = _STATE_SQL.format(versions=VERSIONS_SQL, county=county_sql)
    with connection.cursor() as cur:
        cur.execute(sql, [year, year, *county_params])
        row = cur.fetchone()
    if row is None:
        return None
    return FreshnessState(row[0], json.loads(row[1]), json.loads(row[2]), json.loads(row[3]))


def _current(state: FreshnessState, family: str) -> dict[str, int]:
    return {k: state.versions.get(k, 0) for k in family_dependencies(family)}


def _stale_of(state: FreshnessState, wanted) -> list[str]:
    return [f for f in wanted if state.runs.get(f) != _current(state, f)]


ALL_FAMILIES = (*FEATURE_FAMILIES, COUNTY_FAMILY)
EVALUATION_REQUESTED_CHANNEL = "lianzhou_evaluation_requested"


def evaluation_request(area_id: int, year: int) -> None:
    """Ask the worker to evaluate a year nobody evaluated yet (a notification, not a row).

    Delivered when the caller's transaction ends; the worker stores nothing for a year
    without data.
    """
    with connection.cursor() as cur:
        cur.execute("SELECT pg_notify(%s, %s)", [EVALUATION_REQUESTED_CHANNEL, f"{area_id}:{year}"])


def stale_families(area: AdminArea, year: int) -> list[str]:
    """Families whose stored verdicts are older than the data (or were never computed)."""
    state = freshness_state(year, area.id)
    if state is None:
        return list(ALL_FAMILIES)
    return _stale_of(state, ALL_FAMILIES)


@dataclass(frozen=True)
class Freshness:
    """What a read says about the verdicts it shows."""

    fresh: bool  # every family shown was computed from the current data versions
    evaluated: bool  # verdicts of this year are stored at all
    evaluated_at: str | None  # ISO time of the oldest run shown
    stale: tuple[str, ...]  # the families waiting for re-evaluation
    versions: dict[str, dict]  # family -> the data versions its verdicts were computed from

    def as_dict(self) -> dict:
        return {
            "fresh": self.fresh,
            "evaluated": self.evaluated,
            "evaluated_at": self.evaluated_at,
            "stale_families": list(self.stale),
            "data_versions": self.versions,
        }


def verdict_freshness(
    year: int, families: tuple[str, ...] | None = None, area_id: int | None = None
) -> Freshness:
    """Whether the stored verdicts of `families` (default: all) for a year are current (one query).

    Never writes. A stale answer is re-evaluated by the worker, which the write itself woke.
    """
    wanted = tuple(families or ALL_FAMILIES)
    state = freshness_state(year, area_id)
    if state is None:
        return Freshness(False, False, None, wanted, {})
    stale = tuple(_stale_of(state, wanted))
    times = [state.evaluated_at[f] for f in wanted if f in state.evaluated_at]
    if not times:
        evaluation_request(state.area_id, year)
    return Freshness(
        fresh=not stale,
        evaluated=bool(times),
        evaluated_at=min(times) if times else None,
        stale=stale,
        versions={f: state.runs[f] for f in wanted if f in state.runs},
    )


def _county_codes() -> list[str]:
    codes = Indicator.objects.filter(family=COUNTY_FAMILY).order_by("code")
    return list(codes.values_list("code", flat=True))


def results_ensure_fresh(
    area: AdminArea | None, year: int, families: tuple[str, ...] | None = None
) -> bool:
    """Re-evaluate what is stale among `families` (default: all); True when it had to.

    A writer's call (worker, commands), never a read's. area None: the county (as
    county_of(None)). Under a lock per county-year, so two workers never store twice; only the
    stale families (and scorecard lines) are re-evaluated. A year without any data for the
    county stores nothing.
    """
    wanted = tuple(families or ALL_FAMILIES)
    state = freshness_state(year, area.id if area is not None else None)
    if state is None or not _stale_of(state, wanted):
        return False
    with transaction.atomic():
        lock_county_year(state.area_id, year)
        state = freshness_state(year, state.area_id)  # another worker may have evaluated
        plan = evaluation_plan(state.versions, state.runs, _county_codes(), wanted)
        if not plan:
            return False
        if area is None:
            area = AdminArea.objects.defer("geom").get(id=state.area_id)
        if not state.runs and not year_has_data(area, year):
            return False
        evaluate_plan(area, year, plan)
    return True


def evaluated_years(area_id: int | None = None) -> list[int]:
    """Years with stored verdicts, ascending."""
    runs = EvaluationRun.objects.all()
    if area_id is not None:
        runs = runs.filter(area_id=area_id)
    return sorted(set(runs.values_list("year", flat=True)))


def latest_evaluated_year() -> int | None:
    years = evaluated_years()
    return years[-1] if years else None


def default_year() -> int:
    """The year a page opens on: the latest evaluated year, else last year."""
    return latest_evaluated_year() or dt.date.today().year - 1

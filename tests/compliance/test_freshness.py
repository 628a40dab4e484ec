"""Freshness after an edit: only the stale families are re-evaluated, once, and reads of layers
whose verdicts did not change wait for nothing."""

import threading

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from compliance import evaluation, freshness
from compliance.dependencies import (
    COUNTY_FAMILY,
    COUNTY_LINE_SOURCES,
    FAMILY_LAYERS,
    evaluation_plan,
    family_dependencies,
)
from compliance.evaluation import county_of, evaluate
from compliance.evaluators import FEATURE_FAMILIES
from compliance.freshness import results_ensure_fresh, stale_families
from compliance.models import Result
from compliance.scorecard import FIGURES
from compliance.services import indicators_seed
from consumption.models import WaterUser
from layers.models import AdminArea, AreaYearStats
from layers.tiles import lonlat_to_tile
from network.models import PipeNode, PipeSegment, SupplyZone
from tests.helpers import evaluate_pending, rewrite_one_row

YEAR = 2024


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The local-memory cache outlives each test's rolled-back transaction: start clean."""
    cache.clear()
    yield
    cache.clear()


def _verdicts() -> dict[tuple[str, str, int], tuple]:
    fields = ("value", "status", "explanation_en", "details", "evaluated_at")
    rows = Result.objects.filter(year=YEAR).values_list(
        "indicator__code", "layer", "feature_id", *fields
    )
    return {(c, layer, fid): rest for c, layer, fid, *rest in rows}


def _retire_pipes_of(zone_code: str) -> None:
    """What a network edit does: change pipes (the trigger bumps the pipes version)."""
    with transaction.atomic():
        pipes = PipeSegment.objects.filter(supply_zone__code=zone_code, status="in_service")
        ids = list(pipes.order_by("id").values_list("id", flat=True)[: pipes.count() // 2])
        PipeSegment.objects.filter(id__in=ids).update(status="abandoned")


@pytest.mark.django_db
class PlanTests:
    def test_a_pipe_edit_plans_the_supply_family_and_the_leakage_line_only(self):
        county = county_of(None)
        results_ensure_fresh(county, YEAR)
        _retire_pipes_of("SZ02")
        state = freshness.freshness_state(YEAR)
        codes = freshness._county_codes()
        plan = evaluation_plan(state.versions, state.runs, codes)
        assert plan.families == ("supply",)
        assert plan.county_lines == ("county.supply_leakage",)
        assert stale_families(county, YEAR) == ["supply", COUNTY_FAMILY]

    def test_no_run_yet_plans_everything(self):
        codes = freshness._county_codes()
        plan = evaluation_plan({"pipes": 1}, {}, codes)
        assert plan.families == tuple(FEATURE_FAMILIES)
        assert set(plan.county_lines) == set(codes)

    def test_every_scorecard_figure_declares_its_sources(self):
        assert set(FIGURES) <= set(COUNTY_LINE_SOURCES)
        for families, _stats in COUNTY_LINE_SOURCES.values():
            assert set(families) <= set(FEATURE_FAMILIES)

    def test_every_stored_verdict_is_on_its_familys_layer(self):
        families = dict(
            Result.objects.filter(year=YEAR).values_list("layer", "indicator__family").distinct()
        )
        assert families and all(FAMILY_LAYERS[f] == layer for layer, f in families.items())

    def test_family_dependencies_include_indicators(self):
        assert all("indicators" in family_dependencies(f) for f in FAMILY_LAYERS)


@pytest.mark.django_db
class PartialEvaluationTests:
    def test_pipe_edit_reevaluates_supply_and_leakage_line_same_as_a_full_evaluation(self):
        county = county_of(None)
        results_ensure_fresh(county, YEAR)
        before = _verdicts()
        _retire_pipes_of("SZ02")
        assert results_ensure_fresh(county, YEAR) is True
        assert stale_families(county, YEAR) == []
        partial = _verdicts()
        touched = {k for k in partial if partial[k][-1] != before.get(k, (None,))[-1]}
        assert touched and {k[0].split(".")[0] for k in touched} <= {"supply", "county"}
        assert {k[0] for k in touched if k[1] == "county"} == {"county.supply_leakage"}
        leak = ("supply.leakage", "supply-zones", SupplyZone.objects.get(code="SZ02").id)
        assert partial[leak][3]["a"] < before[leak][3]["a"]  # km of DN75+ per 10,000 m³ fell
        evaluate(area=county, year=YEAR)
        full = _verdicts()
        assert {k: v[:-1] for k, v in full.items()} == {k: v[:-1] for k, v in partial.items()}


@pytest.mark.django_db
class ReadsWaitOnlyForTheirFamiliesTests:
    def _user_tile(self) -> str:
        user = WaterUser.objects.order_by("code").first()
        z, x, y = 15, *lonlat_to_tile(user.geom.x, user.geom.y, 15)
        return f"/tiles/water-users/{z}/{x}/{y}.pbf?year={YEAR}"

    def test_after_a_pipe_edit_user_reads_do_not_evaluate_supply(self, client, official):
        client.force_login(official)
        county = county_of(None)
        results_ensure_fresh(county, YEAR)
        _retire_pipes_of("SZ02")
        user = WaterUser.objects.order_by("code").first()
        assert client.get(self._user_tile()).status_code == 200
        popup = client.get(f"/api/v1/layers/water-users/features/{user.id}/?year={YEAR}")
        assert popup.status_code == 200
        assert popup.json()["properties"]["compliance"]["results"]
        page = client.get(f"/api/v1/layers/water-users/features/?year={YEAR}&page_size=5")
        assert page.status_code == 200
        assert stale_families(county, YEAR) == ["supply", COUNTY_FAMILY]

    def test_reads_never_evaluate_and_the_worker_catches_up(self, client, official):
        client.force_login(official)
        county = county_of(None)
        results_ensure_fresh(county, YEAR)
        _retire_pipes_of("SZ02")
        point = SupplyZone.objects.get(code="SZ02").geom.point_on_surface
        z, x, y = 15, *lonlat_to_tile(point.x, point.y, 15)
        tile = f"/tiles/pipes/{z}/{x}/{y}.pbf?year={YEAR}"
        first = client.get(tile)
        assert first.status_code == 200
        card = client.get(f"/api/v1/compliance/scorecard/?year={YEAR}")
        assert card.status_code == 200 and card.json()["fresh"] is False
        assert stale_families(county, YEAR) == ["supply", COUNTY_FAMILY]  # the reads stored none
        assert (county.code, YEAR) in evaluate_pending()
        assert stale_families(county, YEAR) == []
        assert client.get(f"/api/v1/compliance/scorecard/?year={YEAR}").json()["fresh"] is True
        # the stored verdicts moved: the tile is another one (its ETag keys on `verdicts`)
        assert client.get(tile)["ETag"] != first["ETag"]

    def test_pipe_features_check_no_verdicts(self, client, official):
        client.force_login(official)
        results_ensure_fresh(county_of(None), YEAR)
        url = f"/api/v1/layers/pipes/features/?year={YEAR}&page_size=5"
        client.get(url)  # the session's user is cached from here on
        _retire_pipes_of("SZ02")
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(url)
        assert page.status_code == 200
        # The session with the data versions (the cached user's validity) and the page: no
        # county, no evaluation runs, no count.
        assert len(ctx.captured_queries) <= 2
        assert not any("compliance_evaluationrun" in q["sql"] for q in ctx.captured_queries)
        assert "supply" in stale_families(county_of(None), YEAR)
        body = page.json()
        assert body["compliance"] == {"year": YEAR, "fresh": True, "evaluated_at": None}
        assert all(f["properties"]["compliance"] == {"status": "no_data"} for f in body["features"])


@pytest.mark.django_db(transaction=True)
class ConcurrentReadersTests:
    def test_the_stale_family_is_evaluated_once(self, monkeypatch):
        # Self-contained: a transactional test may run after others emptied the database.
        indicators_seed()
        county = AdminArea.objects.create(
            code="990002",
            name="test county",
            level="county",
            geom=MultiPolygon(Polygon.from_bbox((100.0, 30.0, 100.1, 30.1)), srid=4326),
        )
        # Its own pipe, so the rewrite below has a row even after a transactional test flushed
        # the demo's pipes.
        a = PipeNode.objects.create(code="T-FA", kind="junction", geom=Point(100.05, 30.05))
        b = PipeNode.objects.create(code="T-FB", kind="junction", geom=Point(100.051, 30.05))
        PipeSegment.objects.create(
            code="T-F1",
            geom=LineString([a.geom.coords, b.geom.coords], srid=4326),
            start_node=a,
            end_node=b,
            diameter_mm=100,
            material="PE",
            status="in_service",
            length_m=96.0,
        )
        AreaYearStats.objects.create(area=county, year=YEAR, population=1000)  # a year with data
        evaluate(area=county, year=YEAR)
        with transaction.atomic():
            rewrite_one_row("layers_pipesegment")
        plans = []
        real = evaluation.evaluate_plan

        def counted(area, year, plan):
            plans.append(plan)
            return real(area, year, plan)

        monkeypatch.setattr(freshness, "evaluate_plan", counted)
        readers = 4
        barrier = threading.Barrier(readers)
        outcomes: list[bool] = []

        def reader() -> None:
            try:
                barrier.wait(timeout=10)
                outcomes.append(results_ensure_fresh(county, YEAR, ("supply",)))
            finally:
                connection.close()

        threads = [threading.Thread(target=reader) for _ in range(readers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == [False] * (readers - 1) + [True]
        assert [p.families for p in plans] == [("supply",)]
        assert "supply" not in stale_families(county, YEAR)

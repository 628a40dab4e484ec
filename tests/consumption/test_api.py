"""Consumption by zone: hand-computed totals, plans, caps, per-capita and per-GDP figures,
year-on-year change, membership moves, one query whatever the number of zones."""

from __future__ import annotations

import calendar
import datetime as dt
import json

import pytest
import shapely
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consumption.answer_sql import round_sql
from consumption.models import Consumption, WaterUser
from consumption.params import consumption_query_parse
from consumption.selectors import consumption_by_zone
from consumption.sql import zone_sql
from dataio.importing import layer_import
from layers import models
from network.models import SupplyZone
from tests.consumption.test_world import (
    IRRIGATION_2024,
    agriculture_profile,
    build_world,
)
from tests.helpers import write_layer

pytestmark = pytest.mark.django_db
API = "/api/v1/consumption/"
TOWNS_2024 = {"zone_type": "town", "zones": "TST001,TST002", "start": "2024-01", "end": "2024-12"}


@pytest.fixture
def planner(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="planner"))
    return client


@pytest.fixture
def world():
    return build_world()


def rows_by(response, *keys):
    assert response.status_code == 200, response.content
    return {tuple(r[k] for k in keys): r for r in response.json()["results"]}


class HandComputedTests:
    def test_town_totals_plans_caps_per_capita_and_gdp(self, planner, world):
        rows = rows_by(planner.get(API, TOWNS_2024), "zone_code")
        t1, t2 = rows[("TST001",)], rows[("TST002",)]
        # T1: U1 12,000 + U2 6,000 + half of D1's 120,000.
        assert t1["users_volume_m3"] == pytest.approx(18_000)
        assert t1["irrigation_volume_m3"] == pytest.approx(60_000, rel=1e-6)
        assert t1["volume_m3"] == pytest.approx(78_000, rel=1e-6)
        # T2: U3 7,800 + U4 7,200 + the other half.
        assert t2["users_volume_m3"] == pytest.approx(15_000)
        assert t2["volume_m3"] == pytest.approx(75_000, rel=1e-6)
        # Plans: U1's 12,000 (used in full); T2: U4's 6,000 against its 7,200.
        assert (t1["plan_m3"], t1["planned_users_volume_m3"], t1["plan_used_percent"]) == (
            12_000,
            12_000,
            100,
        )
        assert t2["plan_used_percent"] == pytest.approx(120)
        # Per capita counts the users, not the district's withdrawal (it feeds fields):
        # 2024 has 366 days: 18,000 m³ × 1000 L ÷ (1,000 persons × 366 d) = 49.18 L/d
        # (counting the irrigation it would read 213 L/d).
        assert t1["per_capita_l_per_day"] == pytest.approx(18_000_000 / 366_000, abs=0.01)
        assert t1["population"] == 1000
        assert t1["per_10k_gdp_m3"] == pytest.approx(78_000 / 5000, abs=1e-4)
        # The cap covers the users outside agriculture (U1 12,000 + U2 6,000 = 18,000 m³):
        # 18,000 ÷ 120,000 = 15 % (with the irrigation it would read 65 %).
        assert t1["capped_volume_m3"] == pytest.approx(18_000)
        assert (t1["cap_m3"], t1["cap_used_percent"]) == (120_000, 15)
        # No statistics for T2: the figures are absent (null), not zero.
        assert t2["per_capita_l_per_day"] is None and t2["cap_m3"] is None

    def test_months_split_irrigation_by_the_agricultural_profile(self, planner, world):
        params = {**TOWNS_2024, "group_by": "zone,month"}
        rows = rows_by(planner.get(API, params), "zone_code", "month")
        assert len(rows) == 24
        profile = agriculture_profile(2024)
        for month, share in profile.items():
            key = ("TST001", f"{month:%Y-%m}")
            assert rows[key]["users_volume_m3"] == pytest.approx(1500)
            assert rows[key]["irrigation_volume_m3"] == pytest.approx(60_000 * share, abs=0.01)
            # A month carries 1/12 of the annual plan and cap, and its own days.
            assert rows[key]["plan_m3"] == pytest.approx(1000)
            assert rows[key]["cap_m3"] == pytest.approx(10_000)
            days = calendar.monthrange(2024, month.month)[1]
            expected = rows[key]["users_volume_m3"] * 1000 / (1000 * days)
            assert rows[key]["per_capita_l_per_day"] == pytest.approx(expected, abs=0.01)

    def test_filters_sector_and_source(self, planner, world):
        agriculture = rows_by(
            planner.get(API, {**TOWNS_2024, "sector": "agriculture"}), "zone_code"
        )
        assert agriculture[("TST001",)]["volume_m3"] == pytest.approx(60_000, rel=1e-6)
        assert agriculture[("TST002",)]["users_volume_m3"] == pytest.approx(7800)
        # Groundwater users only: no irrigation records (they count as surface water).
        ground = rows_by(planner.get(API, {**TOWNS_2024, "source": "groundwater"}), "zone_code")
        assert ground[("TST002",)]["volume_m3"] == pytest.approx(7200)
        assert ground[("TST001",)]["volume_m3"] == 0
        surface = rows_by(planner.get(API, {**TOWNS_2024, "source": "surface"}), "zone_code")
        assert surface[("TST002",)]["volume_m3"] == pytest.approx(7800 + 60_000, rel=1e-6)

    def test_group_by_sector_and_grand_total_by_month(self, planner, world):
        rows = rows_by(planner.get(API, {**TOWNS_2024, "group_by": "sector"}), "sector")
        assert rows[("industry",)]["volume_m3"] == pytest.approx(12_000)
        assert rows[("agriculture",)]["volume_m3"] == pytest.approx(7800 + IRRIGATION_2024)
        months = rows_by(planner.get(API, {**TOWNS_2024, "group_by": "month"}), "month")
        assert len(months) == 12
        assert sum(r["volume_m3"] for r in months.values()) == pytest.approx(153_000, rel=1e-6)

    def test_compare_with_previous_year(self, planner, world):
        rows = rows_by(planner.get(API, {**TOWNS_2024, "compare": "previous_year"}), "zone_code")
        t1 = rows[("TST001",)]
        # 2023: U1 only (800 × 12); no irrigation record that year.
        assert t1["previous_volume_m3"] == pytest.approx(9600)
        assert t1["change_percent"] == pytest.approx((78_000 - 9600) / 9600 * 100, abs=0.01)
        assert rows[("TST002",)]["change_percent"] is None  # nothing last year: no ratio

    def test_irrigation_district_by_live_spatial_join(self, planner, world):
        params = {**TOWNS_2024, "zone_type": "irrigation-district", "zones": "TSTD1"}
        row = rows_by(planner.get(API, params), "zone_code")[("TSTD1",)]
        # Inside D1: U2 (6,000) and U3 (7,800), plus the district's own record.
        assert row["users_volume_m3"] == pytest.approx(13_800)
        assert row["irrigation_volume_m3"] == pytest.approx(IRRIGATION_2024)
        assert "per_capita_l_per_day" not in row  # no statistics for districts

    def test_empty_zone_answers_zero(self, planner, world):
        params = {**TOWNS_2024, "start": "2022-01", "end": "2022-03", "group_by": "zone,month"}
        rows = rows_by(planner.get(API, params), "zone_code", "month")
        assert len(rows) == 6 and all(r["volume_m3"] == 0 for r in rows.values())


class AnswerTests:
    def test_the_json_answer_carries_the_database_rows_after_the_head(self, planner, world):
        """The rows come from PostgreSQL as JSON text and are sent as they are, after the
        head (query, columns, units, notes): the same rows as consumption_by_zone, keys in
        the columns' order."""
        response = planner.get(API, {**TOWNS_2024, "group_by": "zone,month"})
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        data = response.json()
        assert list(data) == ["query", "columns", "units", "notes", "results"]
        q = consumption_query_parse({**TOWNS_2024, "group_by": "zone,month"})
        assert data["results"] == consumption_by_zone(q)
        assert len(data["results"]) == 2 * 12
        assert [list(r) for r in data["results"]] == [[c["key"] for c in data["columns"]]] * 24


class PreparedTests:
    def test_the_town_statement_is_prepared_and_answers_alike(self, planner, world):
        """Seven identical town queries: the same rows each time, the statement prepared on
        the connection (server-side, psycopg), and the connection's prepare_threshold back
        to Django's None afterwards (its other cursors prepare nothing)."""
        answers = [planner.get(API, TOWNS_2024).json()["results"] for _ in range(7)]
        assert all(a == answers[0] for a in answers) and len(answers[0]) == 2
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_prepared_statements "
                "WHERE statement LIKE '%%FROM consumption_total c%%'"
            )
            assert cur.fetchone()[0] >= 1
        assert connection.connection.prepare_threshold is None


class RoundingTests:
    def test_a_tie_rounds_to_even_as_python(self, planner, world):
        """T1's GDP set to 10.5 万元 a year: 0.875 a month (exact in binary), so its first
        quarter holds 3 × 0.875 = 2.625 万元, an exact tie at 2 digits: 2.62 (to even, as
        Python's round). Its volume then, 3 × (1,000 + 500) + ½ × 120,000 × (100 + 200 + 300)
        ÷ 7,800 = 4,500 + 4,615.38… ≈ 9,115.38 m³ (the spheroidal half is 0.4999999…)."""
        models.AreaYearStats.objects.filter(area=world.t1, year=2024).update(gdp_10k_yuan=10.5)
        params = {**TOWNS_2024, "zones": "TST001", "start": "2024-01", "end": "2024-03"}
        (t1,) = planner.get(API, params).json()["results"]
        assert t1["gdp_10k_yuan"] == 2.62
        assert t1["volume_m3"] == pytest.approx(9_115.385, abs=0.002)
        assert t1["per_10k_gdp_m3"] == pytest.approx(t1["volume_m3"] / 2.625, abs=1e-3)

    @pytest.mark.parametrize(
        "value, digits",
        [
            (2.625, 2),  # exact tie: to even, 2.62
            (2.675, 2),  # the double 2.67499…: 2.67, though × 100 gives 267.5 in float8
            (1.005, 2),  # 1.00499…: 1.0
            (0.285, 2),
            (821_828.625, 2),
            (11_264.775, 2),
            (-2.675, 2),
            (1000.5, 0),  # tie to even: 1000
            (1001.5, 0),
            (-2.5, 0),
            (60_571_250.19999996, 3),
            (1234.56785, 4),
            (0.0, 3),
        ],
    )
    def test_the_database_rounds_as_python(self, value, digits):
        """The zone query rounds in SQL (float8 arithmetic, the exact product by Dekker's
        two-product on a half): the same double as Python's round(value, digits)."""
        with connection.cursor() as cur:
            cur.execute(f"SELECT {round_sql('%(v)s::float8', digits)}", {"v": value})
            got = cur.fetchone()[0]
        assert got == round(value, digits) and type(got) is (int if digits == 0 else float)


class MembershipTests:
    def test_moving_a_user_across_the_border_moves_its_volume(self, planner, world, tmp_path):
        before = rows_by(planner.get(API, TOWNS_2024), "zone_code")
        u1 = world.users["U1"]
        path = write_layer(
            tmp_path / "move.geojson",
            [shapely.Point(100.15, 10.05)],
            {
                "code": [u1.code],
                "name": [u1.name],
                "sector": [u1.sector],
                "source": [u1.source],
                "annual_plan_m3": [u1.annual_plan_m3],
            },
        )
        layer_import(slug="water-users", path=path)
        u1.refresh_from_db()
        assert u1.town_id == world.t2.id
        after = rows_by(planner.get(API, TOWNS_2024), "zone_code")
        moved = 12_000
        assert after[("TST001",)]["users_volume_m3"] == pytest.approx(
            before[("TST001",)]["users_volume_m3"] - moved
        )
        assert after[("TST002",)]["users_volume_m3"] == pytest.approx(
            before[("TST002",)]["users_volume_m3"] + moved
        )
        assert after[("TST002",)]["plan_m3"] == pytest.approx(18_000)


class QueryCountTests:
    def test_a_warm_request_costs_the_session_and_the_statement(self, planner, world):
        """The session's user and permissions come from the cache after its first request
        (accounts.authentication.CachedSessionMixin): then two queries, the session with the
        data versions and the one statement."""
        planner.get(API, TOWNS_2024)
        with CaptureQueriesContext(connection) as ctx:
            assert planner.get(API, TOWNS_2024).status_code == 200
        assert len(ctx.captured_queries) == 2
        assert "consumption_total" in ctx.captured_queries[1]["sql"]

    def test_one_query_for_one_zone_or_twelve(self, django_assert_num_queries):
        for zones in ("441882100", ""):
            q = consumption_query_parse(
                {
                    "zone_type": "town",
                    "zones": zones,
                    "start": "2024-01",
                    "end": "2024-12",
                    "group_by": "zone,month,sector",
                    "compare": "previous_year",
                }
            )
            with django_assert_num_queries(1):
                rows = consumption_by_zone(q)
            assert len({r["zone_code"] for r in rows}) == (1 if zones else 12)

    @pytest.mark.parametrize("zone_type", ["town", "supply-zone", "irrigation-district"])
    def test_api_query_count_does_not_grow_with_zones(self, planner, zone_type):
        counts = []
        for zones in ("one", "all"):
            params = {"zone_type": zone_type, "start": "2024-01", "end": "2024-12"}
            if zones == "one":
                first = planner.get(API, params).json()["results"][0]["zone_code"]
                params["zones"] = first
            with CaptureQueriesContext(connection) as ctx:
                assert planner.get(API, params).status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]
        # Towns and supply zones read the kept totals (consumption/storage.py); districts,
        # whose users are found by a spatial join, the records.
        table = "layers_consumption" if zone_type == "irrigation-district" else "consumption_total"
        assert len([q for q in ctx.captured_queries if table in q["sql"]]) == 1


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


class ExplainTests:
    def test_hot_query_reads_consumption_once_by_month_range(self):
        """Towns × months: the kept totals of the period are read in one pass (loops = 1),
        hashed against the zones, never looked up once per zone; the records themselves are
        never read (the agricultural profile reads its counties' kept totals)."""
        q = consumption_query_parse(
            {"zone_type": "town", "start": "2024-01", "end": "2024-12", "group_by": "zone,month"}
        )
        sql, params = zone_sql(q)
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cur.fetchone()[0]
        plan = plan if isinstance(plan, list) else json.loads(plan)
        nodes = list(plan_nodes(plan[0]["Plan"]))

        def conditions(node: dict) -> list[str]:
            return [str(node.get(k, "")) for k in ("Index Cond", "Recheck Cond", "Filter")]

        totals = [n for n in nodes if n.get("Relation Name") == "consumption_total"]
        # Three reads of the totals: the towns' facts, and the agricultural profile's two (the
        # districts' counties by county id, the rows of no county apart; their conditions
        # name the sector).
        facts = [n for n in totals if not any("agriculture" in c for c in conditions(n))]
        assert len(totals) == 3 and len(facts) == 1
        assert facts[0]["Actual Loops"] == 1
        assert facts[0]["Actual Rows"] >= 12 * 12  # towns × months, at least
        assert any("month" in c for c in conditions(facts[0]))
        records = {
            n["Relation Name"] for n in nodes if "layers_consumption" in n.get("Relation Name", "")
        }
        assert records == set()  # the profile reads the kept totals, never the records


class DemoSpatialJoinTests:
    """On the demo county: each zone's metered volume per month equals the sum over the users
    that a live spatial join puts inside it (computed here with plain ORM loops)."""

    @pytest.mark.parametrize(
        "zone_type, model",
        [
            ("town", "AdminArea"),
            ("supply-zone", "SupplyZone"),
            ("irrigation-district", "IrrigationDistrict"),
        ],
    )
    def test_zone_month_totals_equal_spatial_join_sums(self, planner, zone_type, model):
        params = {
            "zone_type": zone_type,
            "start": "2024-01",
            "end": "2024-12",
            "group_by": "zone,month",
        }
        rows = rows_by(planner.get(API, params), "zone_code", "month")
        zones = {"SupplyZone": SupplyZone}.get(model, getattr(models, model, None)).objects.all()
        if model == "AdminArea":
            zones = zones.filter(level="town")
        checked = 0
        for zone in zones:
            expected: dict[str, float] = {}
            inside = WaterUser.objects.filter(geom__intersects=zone.geom)
            records = Consumption.objects.filter(
                user__in=inside, month__gte=dt.date(2024, 1, 1), month__lte=dt.date(2024, 12, 1)
            )
            for month, volume in records.values_list("month", "volume_m3"):
                expected[f"{month:%Y-%m}"] = expected.get(f"{month:%Y-%m}", 0.0) + volume
            for month in (f"2024-{m:02d}" for m in range(1, 13)):
                got = rows[(zone.code, month)]["users_volume_m3"]
                assert got == pytest.approx(expected.get(month, 0.0), abs=0.01), (zone.code, month)
                checked += 1
        assert checked >= 60

    def test_agriculture_matches_irrigation_records(self, planner):
        params = {
            "zone_type": "irrigation-district",
            "start": "2024-01",
            "end": "2024-12",
            "sector": "agriculture",
            "group_by": "zone,month",
        }
        rows = rows_by(planner.get(API, params), "zone_code", "month")
        records = models.IrrigationRecord.objects.filter(year=2024).select_related("district")
        assert records.count() >= 4
        for record in records:
            code = record.district.code
            profile = agriculture_profile(2024, record.district.county_id)  # its county's
            year = sum(rows[(code, f"2024-{m:02d}")]["irrigation_volume_m3"] for m in range(1, 13))
            assert year == pytest.approx(record.gross_withdrawal_m3, abs=0.1)
            for month, share in profile.items():
                got = rows[(code, f"{month:%Y-%m}")]["irrigation_volume_m3"]
                assert got == pytest.approx(record.gross_withdrawal_m3 * share, abs=0.01)
        # The towns share the districts' water by area: together they hold all of it.
        towns = planner.get(API, {**params, "zone_type": "town", "group_by": "zone"}).json()
        total = sum(r["irrigation_volume_m3"] for r in towns["results"])
        assert total == pytest.approx(sum(r.gross_withdrawal_m3 for r in records), rel=1e-3)

    def test_demo_per_capita_and_gdp(self, planner):
        rows = rows_by(
            planner.get(API, {"zone_type": "town", "start": "2024-01", "end": "2024-12"}),
            "zone_code",
        )
        for stats in models.AreaYearStats.objects.filter(year=2024, area__level="town"):
            row = rows[(stats.area.code,)]
            volume = row["users_volume_m3"]
            assert row["per_capita_l_per_day"] == pytest.approx(
                volume * 1000 / (stats.population * 366), abs=0.01
            )
            assert row["per_10k_gdp_m3"] == pytest.approx(
                row["volume_m3"] / stats.gdp_10k_yuan, abs=1e-4
            )

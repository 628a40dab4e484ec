"""Key monitored users and users that must plan: plan against use per month, volume over plan
and surcharge tiers from the indicators' parameters (hand-computed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from compliance.models import Indicator
from consumption.models import Consumption, WaterUser
from layers.services.membership import membership_refresh_rows
from tests.consumption.test_world import build_world

pytestmark = pytest.mark.django_db
URL = "/api/v1/compliance/users/"


@pytest.fixture
def planner(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="planner"))
    return client


@pytest.fixture
def users():
    """In town TST001 (2024, m³ a month): P1 industry 20,000 with a 150,000 plan; P2 industry
    11,000 without a plan; P3 residential 50,000 (600,000 a year, exempt from plans); P4 services
    9,000 (on no list)."""
    build_world()
    specs = {
        "P1": ("industry", 20_000.0, 150_000.0),
        "P2": ("industry", 11_000.0, None),
        "P3": ("residential", 50_000.0, None),
        "P4": ("services", 9_000.0, None),
    }
    made = {}
    for n, (code, (sector, volume, plan)) in enumerate(specs.items()):
        made[code] = WaterUser.objects.create(
            code=f"TST{code}",
            name=code,
            geom=Point(100.01 + 0.01 * n, 10.02, srid=4326),
            sector=sector,
            annual_plan_m3=plan,
        )
        Consumption.objects.bulk_create(
            Consumption(user=made[code], month=dt.date(2024, m, 1), volume_m3=volume)
            for m in range(1, 13)
        )
    membership_refresh_rows("layers_wateruser", [u.id for u in made.values()])
    return made


def listed(client, **params):
    response = client.get(URL, {"year": 2024, "town": "TST001", **params})
    assert response.status_code == 200, response.content
    return {row["code"]: row for row in response.json()["results"]}


class UsersPlansTests:
    def test_lists_key_and_must_plan_users_only(self, planner, users):
        rows = listed(planner)
        assert set(rows) == {"TSTP1", "TSTP2", "TSTP3"}
        assert rows["TSTP2"]["status"] == "no_plan" and rows["TSTP2"]["must_plan"]
        assert rows["TSTP3"]["status"] == "not_required" and rows["TSTP3"]["key_monitored"]
        assert not rows["TSTP3"]["must_plan"]
        assert rows["TSTP1"]["town_code"] == "TST001"

    def test_over_plan_tiers_and_monthly_plan(self, planner, users):
        p1 = listed(planner)["TSTP1"]
        # 240,000 used against 150,000: 90,000 over (60 %), split 30,000 / 30,000 / 30,000
        # over the bands ≤20 %, 20–40 %, >40 % at +0.5×, +1×, +2× the base price.
        assert p1["status"] == "over_plan"
        assert p1["annual_use_m3"] == 240_000 and p1["over_plan_m3"] == 90_000
        assert p1["over_plan_share"] == pytest.approx(0.6)
        assert [(t["volume_m3"], t["multiple"]) for t in p1["surcharge_tiers"]] == [
            (30_000, 0.5),
            (30_000, 1.0),
            (30_000, 2.0),
        ]
        assert p1["surcharge_base_price_m3"] == pytest.approx(105_000)
        assert len(p1["months"]) == 12
        first = p1["months"][0]
        assert first == {
            "month": "2024-01",
            "use_m3": 20_000,
            "plan_m3": 12_500,
            "difference_m3": 7_500,
        }
        assert "90,000" in p1["explanations"]["over_plan"]

    def test_filters(self, planner, users):
        assert set(listed(planner, status="over_plan")) == {"TSTP1"}
        assert set(listed(planner, sector="residential")) == {"TSTP3"}
        assert set(listed(planner, status="within_plan")) == set()

    def test_thresholds_come_from_the_indicator(self, planner, users):
        indicator = Indicator.objects.get(code="user.planned_use")
        indicator.params = {**indicator.params, "monthly_threshold_m3": 8_000}
        indicator.save()
        rows = listed(planner)
        assert rows["TSTP4"]["status"] == "no_plan"
        assert (
            planner.get(URL, {"year": 2024}).json()["thresholds"]["planned_use_m3_per_month"]
            == 8_000
        )

    def test_summary_and_demo_listing(self, planner):
        data = planner.get(URL, {"year": 2024}).json()
        summary = data["summary"]
        assert summary["users"] == len(data["results"]) > 0
        assert summary["key_monitored"] >= 1 and summary["over_plan"] >= 1
        for row in data["results"]:
            assert row["key_monitored"] or row["must_plan"]
            assert row["key_monitored"] == (row["annual_use_m3"] >= 500_000)
        # the demo's quota checks: the cement works over its quota in 2024, beside its plan
        cement = next(r for r in data["results"] if r["code"] == "WU000002")
        assert cement["quota"]["item"] == "水泥（通用值）" and cement["over_quota_m3"] > 0
        assert summary["over_quota"] >= 1 and summary["over_quota_m3"] > 0

    def test_query_count_does_not_grow_with_users(
        self, planner, users, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(8):
            planner.get(URL, {"year": 2024})


class OverQuotaTests:
    """The over-quota volume and surcharge beside the over-plan ones (no database)."""

    TIERS = [[0.2, 0.5], [0.4, 1.0], [None, 2.0]]
    CHECK = {
        "quota__code": "Q", "quota__item": "纸", "quota__unit": "m³/t", "quota__value": 25.0,
        "quota__verified": False, "output_quantity": 100.0,
    }  # fmt: skip

    def test_bands_against_the_quota_volume(self):
        """Quota 25 m³/t × 100 t = 2,500 m³ allowed. Use 3,000: 500 over (≤ 20 % of 2,500 =
        500) at +0.5 → 250 m³ surcharged. Use 3,600: 1,100 over = 500 × 0.5 + 500 × 1 +
        100 × 2 = 950 m³."""
        from compliance.users_plans import _over_quota

        got = _over_quota(3_000.0, self.CHECK, self.TIERS)
        assert got["quota"]["allowed_m3"] == 2_500.0 and got["quota"]["verified"] is False
        assert got["over_quota_m3"] == 500.0 and got["over_quota_surcharge_m3"] == 250.0
        got = _over_quota(3_600.0, self.CHECK, self.TIERS)
        assert got["over_quota_m3"] == 1_100.0 and got["over_quota_surcharge_m3"] == 950.0
        within = _over_quota(2_000.0, self.CHECK, self.TIERS)
        assert within["over_quota_m3"] == 0.0 and within["over_quota_surcharge_m3"] == 0.0
        assert _over_quota(2_000.0, None, self.TIERS)["quota"] is None

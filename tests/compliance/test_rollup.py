"""The city roll-up: figures that add are summed from the counties, ratios recomputed from the
sums (never an average of ratios), "n of m counties pass" per scorecard line.

Two tiny hand-made counties (the arithmetic is in each docstring), then the demo's 清远市 with
Lianzhou and 阳山县 loaded side by side.
"""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from compliance.models import Result
from compliance.rollup import CountyFigures, city_rollup, rollup_figures, rollup_lines
from demo.county2 import YANGSHAN
from demo.load_county import county_load
from layers.models import AdminArea, AreaYearStats
from layers.yearly import area_stats_history


def tiny(code: str, name: str, **figures) -> CountyFigures:
    base = dict.fromkeys(
        (
            "population",
            "gdp_10k_yuan",
            "industrial_value_added_10k_yuan",
            "water_use_m3",
            "industrial_use_m3",
            "irrigated_area_mu",
            "irrigation_gross_m3",
            "irrigation_net_field_m3",
        )
    )
    return CountyFigures(code=code, name=name, figures={**base, **figures})


class RollupArithmeticTests:
    def test_the_roll_up_adds_up(self):
        """County A: 100,000 people, GDP 200,000 万元, use 20,000,000 m³ (100 m³/万元).
        County B: 50,000 people, GDP 50,000 万元, use 10,000,000 m³ (200 m³/万元).
        City: 150,000 people, GDP 250,000, use 30,000,000 → 30e6 / 250,000 = 120 m³/万元,
        not the average of the ratios (150). Per person per day: 30e6 / 150,000 × 1000 / 365
        = 547.945… L. Irrigation: A 10,000 亩 and 6e6 m³ gross, 3.3e6 net; B 5,000 亩, 3e6
        gross, 1.5e6 net → city 9e6 / 15,000 = 600 m³/亩, efficiency 4.8e6 / 9e6 = 0.5333…"""
        a = tiny(
            "900001",
            "甲县",
            population=100_000,
            gdp_10k_yuan=200_000.0,
            water_use_m3=20_000_000.0,
            irrigated_area_mu=10_000.0,
            irrigation_gross_m3=6_000_000.0,
            irrigation_net_field_m3=3_300_000.0,
        )
        b = tiny(
            "900002",
            "乙县",
            population=50_000,
            gdp_10k_yuan=50_000.0,
            water_use_m3=10_000_000.0,
            irrigated_area_mu=5_000.0,
            irrigation_gross_m3=3_000_000.0,
            irrigation_net_field_m3=1_500_000.0,
        )
        out = rollup_figures([a, b])
        assert out["sums"]["population"] == 150_000
        assert out["sums"]["gdp_10k_yuan"] == 250_000.0
        assert out["sums"]["water_use_m3"] == 30_000_000.0
        assert out["ratios"]["use_per_10k_gdp"] == pytest.approx(120.0)
        assert (a.ratios["use_per_10k_gdp"] + b.ratios["use_per_10k_gdp"]) / 2 == 150.0
        assert out["ratios"]["use_per_person_lpd"] == pytest.approx(30e6 / 150_000 * 1000 / 365)
        assert out["ratios"]["irrigation_m3_per_mu"] == pytest.approx(600.0)
        assert out["ratios"]["irrigation_efficiency"] == pytest.approx(4.8 / 9)

    def test_a_figure_one_county_lacks_is_not_summed(self):
        """A reports industrial use 1,000,000 m³, B none: the city's industrial use is unknown
        (a partial sum would pass for the city's), B is named, and so is the ratio."""
        a = tiny("900001", "甲县", industrial_use_m3=1e6, industrial_value_added_10k_yuan=1e4)
        b = tiny("900002", "乙县", industrial_value_added_10k_yuan=2e4)
        out = rollup_figures([a, b])
        assert out["sums"]["industrial_use_m3"] is None
        assert out["missing"]["industrial_use_m3"] == ["乙县"]
        assert out["sums"]["industrial_value_added_10k_yuan"] == 3e4
        assert out["ratios"]["industrial_use_per_10k_iva"] is None

    def test_n_of_m_counties_pass_each_line(self):
        """Leakage: A meets it, B fails → 1 of 2, B named. Publicity: A only judged (met) →
        1 of 2 with B counted as no data."""
        a = tiny("900001", "甲县")
        a.lines = {"county.supply_leakage": "compliant", "county.publicity": "compliant"}
        b = tiny("900002", "乙县")
        b.lines = {"county.supply_leakage": "non_compliant"}
        lines = {line["code"]: line for line in rollup_lines([a, b])}
        leak = lines["county.supply_leakage"]
        assert (leak["compliant"], leak["non_compliant"], leak["no_data"]) == (1, 1, 0)
        assert leak["failing"] == ["乙县"]
        pub = lines["county.publicity"]
        assert (pub["compliant"], pub["non_compliant"], pub["no_data"], pub["counties"]) == (
            1,
            0,
            1,
            2,
        )


def square(west: float, south: float, size: float = 0.05) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((west, south, west + size, south + size)), srid=4326)


@pytest.mark.django_db
class CityRollupDatabaseTests:
    def test_two_tiny_counties_under_a_city(self):
        """测试市 (990100) with 甲县 and 乙县 (squares of 0.05° near 114°E 23°N, outside the demo).
        2025: 甲 60,000 people, GDP 120,000 万元, abstractions 5e6 surface + 1e6 groundwater;
        乙 40,000 people, GDP 80,000, 2e6 public supply. City: 100,000 people, GDP 200,000,
        use 8e6 → 40 m³/万元 (甲 50, 乙 25: their average 37.5 is not the city's)."""
        city = AdminArea.objects.create(
            code="990100", name="测试市", level="city", geom=square(113.9, 22.9, 0.3)
        )
        a = AdminArea.objects.create(
            code="990101", name="甲县", level="county", parent=city, geom=square(114.0, 23.0)
        )
        b = AdminArea.objects.create(
            code="990102", name="乙县", level="county", parent=city, geom=square(114.1, 23.0)
        )
        AreaYearStats.objects.create(
            area=a,
            year=2025,
            population=60_000,
            gdp_10k_yuan=120_000,
            abstraction_surface_m3=5e6,
            abstraction_groundwater_m3=1e6,
        )
        AreaYearStats.objects.create(
            area=b,
            year=2025,
            population=40_000,
            gdp_10k_yuan=80_000,
            abstraction_public_supply_m3=2e6,
        )
        out = city_rollup(city, 2025)
        assert [c.name for c in out["counties"]] == ["甲县", "乙县"]
        assert out["sums"]["population"] == 100_000
        assert out["sums"]["water_use_m3"] == 8e6
        assert out["ratios"]["use_per_10k_gdp"] == pytest.approx(40.0)
        assert out["sums"]["irrigated_area_mu"] is None  # neither has an irrigation record
        assert out["county_count"] == 2 and out["passed"] == 0  # never evaluated: no verdict


@pytest.fixture
def yangshan(db, tmp_path):
    """阳山县 generated and loaded beside the test database's Lianzhou (rolled back after)."""
    return county_load(YANGSHAN, out_dir=tmp_path / "441823", log=lambda _m: None)


class DemoCityRollupTests:
    def test_the_city_figure_is_the_sum_of_the_counties(self, yangshan):
        """清远市 2025 = 连州市 + 阳山县, each figure from the counties' own area statistics."""
        city = AdminArea.objects.get(code="441800")
        out = city_rollup(city, 2025)
        assert [c.code for c in out["counties"]] == ["441823", "441882"]
        stats = [
            area_stats_history(AdminArea.objects.get(code=code).id)[2025]
            for code in ("441823", "441882")
        ]
        assert out["sums"]["population"] == sum(s["population"] for s in stats)
        assert out["sums"]["gdp_10k_yuan"] == pytest.approx(sum(s["gdp_10k_yuan"] for s in stats))
        use = sum((s[k] or 0) for s in stats for k in s if k.startswith("abstraction_"))
        assert out["sums"]["water_use_m3"] == pytest.approx(use)
        assert out["ratios"]["use_per_10k_gdp"] == pytest.approx(
            use / sum(s["gdp_10k_yuan"] for s in stats)
        )
        for key, total in out["sums"].items():
            if total is not None:
                assert total == pytest.approx(sum(c.figures[key] for c in out["counties"])), key
        # each county has its own scorecard; the city counts them
        assert all(c.verdict for c in out["counties"])
        assert out["passed"] + out["failed"] + out["cannot_be_judged"] <= 2

    def test_the_second_county_has_its_own_planted_failures(self, yangshan):
        """阳山's manifest plants SZ01's leakage, ID02's coefficient, ID01's metering and the
        2025 cap; the engine finds each in 阳山 (not in Lianzhou, whose codes are the same)."""
        area = AdminArea.objects.get(code="441823")
        for rule, codes in yangshan["planted_failures"].items():
            for code in codes:
                if rule.startswith("county."):
                    r = Result.objects.get(
                        area=area, indicator__code=rule, layer="county", year=int(code)
                    )
                else:
                    r = Result.objects.get(
                        area=area, indicator__code=rule, feature_code=code, year=2025
                    )
                assert r.status == "non_compliant", (rule, code)
        sz02 = Result.objects.get(
            area=area, indicator__code="supply.leakage", feature_code="SZ02", year=2025
        )
        assert sz02.status == "compliant"

    def test_the_city_report_shows_both_counties(self, yangshan, client, django_user_model):
        admin = django_user_model.objects.get(username="admin")
        client.force_login(admin)
        page = client.get("/reports/city/", {"area": "441800", "year": 2025})
        assert page.status_code == 200
        html = page.content.decode()
        assert "阳山县" in html and "连州市" in html and "清远市" in html
        assert 'data-figure="water_use_m3"' in html
        assert client.get("/reports/city/", {"area": "999999", "year": 2025}).status_code == 404
        assert client.get("/reports/city/", {"year": "abc"}).status_code == 400


class CityRollupApiTests:
    def test_the_map_reads_the_counties_with_their_verdicts(
        self, yangshan, client, django_user_model
    ):
        """GET compliance/city/: both counties as GeoJSON with verdict and score; the sums are
        the report's; an unknown city is 404, a bad year 400."""
        client.force_login(django_user_model.objects.get(username="admin"))
        url = "/api/v1/compliance/city/"
        data = client.get(url, {"year": 2025}).json()
        assert data["area"] == "441800" and data["county_count"] == 2
        props = {f["properties"]["code"]: f["properties"] for f in data["counties"]["features"]}
        assert set(props) == {"441823", "441882"}
        assert all(p["verdict"] for p in props.values())
        assert (
            data["sums"]["population"]
            == city_rollup(AdminArea.objects.get(code="441800"), 2025)["sums"]["population"]
        )
        assert client.get(url, {"year": 2025, "area": "449999"}).status_code == 404
        assert client.get(url, {"year": "x"}).status_code == 400


class CityRollupScopeTests:
    def test_a_lianzhou_official_sees_lianzhou_and_is_told_of_the_other(
        self, yangshan, client, official
    ):
        """The demo official works for Lianzhou (accounts.AreaMembership): the roll-up holds
        Lianzhou only and says one county is left out; 阳山's figures never reach the page."""
        client.force_login(official)
        data = client.get("/api/v1/compliance/city/", {"year": 2025}).json()
        codes = [f["properties"]["code"] for f in data["counties"]["features"]]
        assert codes == ["441882"] and data["hidden_counties"] == 1
        html = client.get("/reports/city/", {"area": "441800", "year": 2025}).content.decode()
        assert "hidden-counties" in html and "阳山县" not in html


class CityRollupQueryTests:
    def test_the_city_api_reads_a_bounded_number_of_queries(
        self, yangshan, client, django_user_model, django_assert_max_num_queries
    ):
        """A fixed handful per county (its statistics, districts, stored scorecard and its
        freshness) plus the city's and the outlines': 16 queries measured for 2 counties,
        whatever the number of lines or features (an N+1 over lines would be hundreds)."""
        client.force_login(django_user_model.objects.get(username="admin"))
        with django_assert_max_num_queries(20):
            assert client.get("/api/v1/compliance/city/", {"year": 2025}).status_code == 200

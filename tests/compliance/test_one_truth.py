"""One truth about what fails: the map's list, the map's colours, the report (and so its PDF and
the offline export, which render the same CountyReport) name the same features for every demo
year, and a bonus item alone never makes a feature fail."""

from __future__ import annotations

import pytest
from django.test import Client

from compliance.models import Indicator, Result
from gisapp.reports.selectors import MAP_LAYERS, county_report
from layers.selectors import county_find

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
DEMO_YEARS = (2023, 2024, 2025)


@pytest.fixture
def official(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.get(username="official"))
    return client


def listed_on_map(client, year: int) -> set[tuple[str, int]]:
    """What the map's failure list shows: /api/v1/compliance/results/?failing=true."""
    data = client.get(
        "/api/v1/compliance/results/",
        {"year": year, "failing": "true", "page_size": 1000},
        **HOST,
    ).json()
    assert data["count"] <= 1000
    return {(r["layer"], r["feature_id"]) for r in data["results"]}


def coloured_on_map(client, year: int) -> set[tuple[str, int]]:
    """What the map paints red: each layer's features whose overall status is non_compliant."""
    out = set()
    for slug in MAP_LAYERS:
        data = client.get(
            f"/api/v1/layers/{slug}/features/",
            {"year": year, "status": "non_compliant", "page_size": 1000},
            **HOST,
        ).json()
        out |= {(slug, f["id"]) for f in data["features"]}
    return out


class OneTruthTests:
    @pytest.mark.parametrize("year", DEMO_YEARS)
    def test_map_list_colours_and_report_agree(self, official, year):
        report = county_report(county_find(None), year)
        in_report = {(f.layer, f.id) for layer in report.failing for f in layer.features}
        listed = listed_on_map(official, year)
        assert in_report, "the demo plants failures every year"
        assert listed == in_report
        assert coloured_on_map(official, year) == in_report
        # the report page prints the same count
        html = official.get("/reports/county/", {"year": year}, **HOST).content.decode()
        assert report.failing_count == len(in_report) and str(len(in_report)) in html

    def test_a_plant_below_only_the_bonus_target_does_not_fail(self, official):
        """2025: plants whose only non-compliant result is the reclaimed-water bonus item
        (sewage.reclaimed, kind bonus) are neither listed nor in the report."""
        bonus_only = set()
        results = Result.objects.filter(year=2025, layer="sewage-plants")
        for feature_id in results.values_list("feature_id", flat=True).distinct():
            failing = results.filter(feature_id=feature_id, status="non_compliant")
            kinds = set(failing.values_list("indicator__kind", flat=True))
            if kinds == {Indicator.Kind.BONUS}:
                bonus_only.add(("sewage-plants", feature_id))
        assert bonus_only, "the demo has plants failing only the bonus item"
        assert not bonus_only & listed_on_map(official, 2025)

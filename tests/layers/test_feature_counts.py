"""Feature pages: next links from the page itself, exact counts when cheap or asked."""

from __future__ import annotations

import pytest

from consumption.models import WaterUser
from layers.selectors import EXACT_COUNT_MAX
from network.models import PipeSegment

pytestmark = pytest.mark.django_db

BOX = "112.30,24.70,112.45,24.85"


class FeatureCountTests:
    def test_last_page_count_is_exact(self, client, official):
        client.force_login(official)
        page = client.get("/api/v1/layers/sewage-plants/features/?page_size=5000").json()
        assert page["count_exact"] is True
        assert page["count"] == len(page["features"]) >= 8
        assert "next" not in page["links"]

    def test_large_match_reports_a_flagged_estimate_never_below_the_page(self, client, official):
        client.force_login(official)
        in_service = PipeSegment.objects.filter(status__in=["in_service", "planned"]).count()
        assert in_service > EXACT_COUNT_MAX
        page = client.get("/api/v1/layers/pipes/features/?page_size=10").json()
        assert page["count_exact"] is False
        assert page["count"] > 10
        assert len(page["features"]) == 10
        assert "next" in page["links"]

    def test_exact_count_on_request(self, client, official):
        client.force_login(official)
        in_service = PipeSegment.objects.filter(status__in=["in_service", "planned"]).count()
        page = client.get("/api/v1/layers/pipes/features/?page_size=10&exact_count=true").json()
        assert page["count_exact"] is True
        assert page["count"] == in_service

    def test_following_next_links_visits_every_match_once(self, client, official):
        client.force_login(official)
        minx, miny, maxx, maxy = (float(v) for v in BOX.split(","))
        expected = WaterUser.objects.filter(
            geom__intersects=f"SRID=4326;POLYGON(({minx} {miny},{maxx} {miny},{maxx} {maxy},"
            f"{minx} {maxy},{minx} {miny}))"
        ).count()
        assert expected > 40
        url = f"/api/v1/layers/water-users/features/?bbox={BOX}&page_size=20"
        ids: list[int] = []
        while url:
            page = client.get(url).json()
            assert page["count"] == expected and page["count_exact"] is True
            ids += [f["id"] for f in page["features"]]
            url = page["links"].get("next")
        assert len(ids) == expected
        assert ids == sorted(set(ids))

    def test_page_past_the_end_is_empty_with_the_true_count(self, client, official):
        client.force_login(official)
        page = client.get("/api/v1/layers/sewage-plants/features/?page_size=5&page=999").json()
        assert page["features"] == []
        assert page["count_exact"] is True
        assert page["count"] >= 8
        assert "next" not in page["links"] and "prev" in page["links"]

    def test_status_filter_counts_exactly(self, client, official):
        client.force_login(official)
        page = client.get(
            "/api/v1/layers/water-users/features/?year=2024&status=non_compliant&page_size=1"
        ).json()
        assert page["count_exact"] is True
        assert page["count"] >= 1
        assert page["features"][0]["properties"]["compliance"]["status"] == "non_compliant"

    def test_bad_exact_count_is_400_naming_it(self, client, official):
        client.force_login(official)
        response = client.get("/api/v1/layers/pipes/features/?exact_count=maybe")
        assert response.status_code == 400
        assert "exact_count" in response.json()["error"]["details"]

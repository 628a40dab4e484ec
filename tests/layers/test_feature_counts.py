"""Feature pages: next links from the page itself; the count of every match only when it is
free (a single page read from the start) or asked for (exact_count), null otherwise."""

from __future__ import annotations

import pytest

from consumption.models import WaterUser
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

    def test_a_page_with_more_after_it_is_not_counted_unless_asked(self, client, official):
        client.force_login(official)
        page = client.get("/api/v1/layers/pipes/features/?page_size=10").json()
        assert page["count"] is None and page["count_exact"] is False
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
        url = f"/api/v1/layers/water-users/features/?bbox={BOX}&page_size=20&exact_count=true"
        ids: list[int] = []
        while url:
            page = client.get(url).json()
            assert page["count"] == expected and page["count_exact"] is True
            ids += [f["id"] for f in page["features"]]
            url = page["links"].get("next")
            assert url is None or "cursor=" in url
        assert len(ids) == expected
        assert ids == sorted(set(ids))

    def test_page_past_the_end_is_empty_with_the_true_count_when_asked(self, client, official):
        client.force_login(official)
        url = "/api/v1/layers/sewage-plants/features/?page_size=5&page=999"
        page = client.get(url).json()
        assert page["features"] == [] and page["count"] is None
        assert "next" not in page["links"] and "prev" in page["links"]
        page = client.get(url + "&exact_count=true").json()
        assert page["count_exact"] is True
        assert page["count"] >= 8

    def test_status_filter_counts_when_asked(self, client, official):
        client.force_login(official)
        page = client.get(
            "/api/v1/layers/water-users/features/?year=2024&status=non_compliant&page_size=1"
            "&exact_count=true"
        ).json()
        assert page["count_exact"] is True
        assert page["count"] >= 1
        assert page["features"][0]["properties"]["compliance"]["status"] == "non_compliant"

    def test_bad_exact_count_is_400_naming_it(self, client, official):
        client.force_login(official)
        response = client.get("/api/v1/layers/pipes/features/?exact_count=maybe")
        assert response.status_code == 400
        assert "exact_count" in response.json()["error"]["details"]

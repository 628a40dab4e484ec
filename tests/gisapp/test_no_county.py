"""A database without a county (a fresh installation before its first import) still serves
every page: before, the home page answered 500."""

import pytest

from layers.models import AdminArea

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/map/", "/data/", "/consumption/"])
def test_pages_answer_without_a_county(client, official, path):
    AdminArea.objects.filter(level=AdminArea.Level.COUNTY).update(level=AdminArea.Level.CITY)
    client.force_login(official)
    response = client.get(path)
    assert response.status_code == 200, response.content[:300]


def test_the_scorecard_of_no_county_is_a_400_naming_the_area(client, official):
    AdminArea.objects.filter(level=AdminArea.Level.COUNTY).update(level=AdminArea.Level.CITY)
    client.force_login(official)
    response = client.get("/api/v1/compliance/scorecard/?year=2024")
    assert response.status_code == 400
    assert "area" in response.json()["error"]["details"]

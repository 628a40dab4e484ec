"""Every bad parameter of the consumption API answers 400 naming it (never 500); permissions."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
API = "/api/v1/consumption/"
GOOD = {"zone_type": "town", "start": "2024-01", "end": "2024-12"}


@pytest.fixture
def planner(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="planner"))
    return client


class BadParameterTests:
    @pytest.mark.parametrize(
        "change, field",
        [
            ({"zone_type": "county"}, "zone_type"),
            ({"zone_type": "<script>"}, "zone_type"),
            ({"start": "2024-13"}, "start"),
            ({"start": "2024-1"}, "start"),
            ({"start": "24-01"}, "start"),
            ({"start": "abcd-ef"}, "start"),
            ({"start": ""}, "start"),
            ({"end": "2024-00"}, "end"),
            ({"start": "1999-01"}, "start"),
            ({"start": "2024-06", "end": "2024-05"}, "end"),  # reversed period
            ({"start": "2000-01", "end": "2024-12"}, "end"),  # more than 120 months
            ({"zones": "441882100,NOPE"}, "zones"),
            ({"zones": "X" * 40}, "zones"),
            ({"zone_type": "supply-zone", "zones": "441882100"}, "zones"),
            ({"sector": "mining"}, "sector"),
            ({"source": "rain"}, "source"),
            ({"group_by": "zone,year"}, "group_by"),
            ({"compare": "last_week"}, "compare"),
            ({"format": "pdf"}, "format"),
        ],
    )
    def test_names_the_parameter(self, planner, change, field):
        response = planner.get(API, {**GOOD, **change})
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["code"] == "bad_request"
        assert field in error["details"], error

    def test_missing_period(self, planner):
        details = planner.get(API, {"zone_type": "town"}).json()["error"]["details"]
        assert {"start", "end"} <= set(details)

    def test_unknown_code_is_listed(self, planner):
        details = planner.get(API, {**GOOD, "zones": "NOPE1,441882100"}).json()["error"]["details"]
        assert "NOPE1" in details["zones"][0] and "441882100" not in details["zones"][0]

    def test_water_function_zones_are_refused_with_the_reason(self, planner):
        """Grouping by water-function zone gave 0 m³ for all 11 zones (no user lies in a
        river reach): now a 400 that says why and what to group by instead."""
        got = planner.get(API, {**GOOD, "zone_type": "water-function-zone"})
        assert got.status_code == 400
        assert "河段" in got.json()["error"]["details"]["zone_type"][0]

    def test_every_zone_type_and_grouping_answers(self, planner):
        for zone_type in ("town", "supply-zone", "irrigation-district"):
            for group_by in ("zone", "month", "sector", "zone,month,sector"):
                params = {**GOOD, "zone_type": zone_type, "group_by": group_by}
                assert planner.get(API, params).status_code == 200, params


class UsersPlansErrorTests:
    URL = "/api/v1/compliance/users/"

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"year": "20x4"}, "year"),
            ({"year": "1900"}, "year"),
            ({"town": "NOPE"}, "town"),
            ({"sector": "mining"}, "sector"),
            ({"status": "late"}, "status"),
        ],
    )
    def test_names_the_parameter(self, planner, params, field):
        response = planner.get(self.URL, params)
        assert response.status_code == 400
        assert field in response.json()["error"]["details"]


class PermissionTests:
    def test_anonymous_gets_json_401_or_403(self, client):
        response = client.get(API, GOOD)
        assert response.status_code in (401, 403)
        assert response.json()["error"]["code"] in ("not_authenticated", "permission_denied")

    def test_user_without_role_refused(self, client, django_user_model):
        nobody = django_user_model.objects.create_user("nobody", password="x-long-password-1")
        client.force_login(nobody)
        assert client.get(API, GOOD).status_code == 403
        assert client.get("/api/v1/compliance/users/").status_code == 403

    @pytest.mark.parametrize("role", ["official", "planner", "admin"])
    def test_roles_read(self, client, django_user_model, role):
        client.force_login(django_user_model.objects.get(username=role))
        assert client.get(API, GOOD).status_code == 200

"""A county member's town answer: from the kept totals, that county's rows only.

Two hand-made counties far from the demo, 0.1° squares: A = [100.0, 100.1] × [10.0, 10.1]
and B = [100.2, 100.3] × [10.0, 10.1], each with one town of the same outline (TA in A, TB in
B) and one irrigation district inside that town (DA = [100.03, 100.08] × [10.02, 10.08] in A,
DB = [100.23, 100.28] × [10.02, 10.08] in B: each wholly inside its town, share 1.0).

2024, m³ a month (m = month number):
  A1  TA industry        1,000
  A2  TA agriculture     100 × m      (A's agricultural year: 100 × 78 = 7,800)
  B1  TB industry        7,000
  B2  TB agriculture     1,000        (B's agricultural profile is flat: 1/12)
  DA  78,000 a year; DB 120,000 a year.

A member of A asking for towns × months sees TA only (TB and B's rows nowhere):
  users_volume_m3      = 1,000 + 100 × m          (January 1,100; December 2,200)
  irrigation_volume_m3 = 78,000 × 1.0 × (100 × m ÷ 7,800) = 1,000 × m   (A's profile only; with
                         B's agricultural rows in it, January would be 78,000 × 1,100 ÷ 19,800)
  volume_m3            = 1,000 + 1,100 × m        (January 2,100; December 14,200)
and users_volume_m3 equals the plain GROUP BY of A's raw rows per town and month.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection

from accounts.models import AreaMembership
from consumption.models import Consumption, WaterUser
from layers.models import AdminArea, IrrigationDistrict, IrrigationRecord
from layers.services.membership import membership_refresh_rows

pytestmark = pytest.mark.django_db
API = "/api/v1/consumption/"
TOWNS_2024 = {"zone_type": "town", "start": "2024-01", "end": "2024-12", "group_by": "zone,month"}


def box(bounds) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox(bounds), srid=4326)


@pytest.fixture
def two_counties():
    a = AdminArea.objects.create(
        code="TSTCA", name="甲县", level="county", geom=box((100.0, 10.0, 100.1, 10.1))
    )
    b = AdminArea.objects.create(
        code="TSTCB", name="乙县", level="county", geom=box((100.2, 10.0, 100.3, 10.1))
    )
    ta = AdminArea.objects.create(
        code="TSTTA", name="甲镇", level="town", parent=a, geom=box((100.0, 10.0, 100.1, 10.1))
    )
    tb = AdminArea.objects.create(
        code="TSTTB", name="乙镇", level="town", parent=b, geom=box((100.2, 10.0, 100.3, 10.1))
    )
    for code, bounds, withdrawal in (
        ("TSTDA", (100.03, 10.02, 100.08, 10.08), 78_000),
        ("TSTDB", (100.23, 10.02, 100.28, 10.08), 120_000),
    ):
        district = IrrigationDistrict.objects.create(
            code=code, name=code, size="small", effective_area_mu=1000, geom=box(bounds)
        )
        IrrigationRecord.objects.create(
            district=district,
            year=2024,
            gross_withdrawal_m3=withdrawal,
            net_field_m3=withdrawal / 2,
            irrigated_area_mu=900,
        )
    specs = {
        "A1": ((100.02, 10.05), "industry", "public_network", lambda m: 1000.0),
        "A2": ((100.07, 10.05), "agriculture", "surface", lambda m: 100.0 * m),
        "B1": ((100.22, 10.05), "industry", "public_network", lambda m: 7000.0),
        "B2": ((100.27, 10.05), "agriculture", "surface", lambda m: 1000.0),
    }
    users = {}
    for code, (xy, sector, source, volume) in specs.items():
        users[code] = WaterUser.objects.create(
            code=f"TST{code}", name=code, geom=Point(*xy, srid=4326), sector=sector, source=source
        )
        Consumption.objects.bulk_create(
            Consumption(user=users[code], month=dt.date(2024, m, 1), volume_m3=volume(m))
            for m in range(1, 13)
        )
    membership_refresh_rows("layers_wateruser", [u.id for u in users.values()])
    return {"a": a, "b": b, "ta": ta, "tb": tb, "users": users}


@pytest.fixture
def member_of_a(client, django_user_model, two_counties):
    planner = django_user_model.objects.get(username="planner")
    user = django_user_model.objects.create_user("planner_a", password="x")
    user.groups.set(planner.groups.all())
    AreaMembership.objects.create(user=user, area=two_counties["a"])
    client.force_login(user)
    return client


def raw_group_by(county_id: int) -> dict[tuple[str, str], float]:
    """The plain GROUP BY of one county's raw rows: Σ volume per user's town and month."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.code, to_char(c.month, 'YYYY-MM'), sum(c.volume_m3) "
            "FROM layers_consumption c JOIN layers_wateruser u ON u.id = c.user_id "
            "JOIN layers_adminarea t ON t.id = u.town_id "
            "WHERE u.county_id = %s AND c.month BETWEEN '2024-01-01' AND '2024-12-01' "
            "GROUP BY 1, 2",
            [county_id],
        )
        return {(code, month): float(v) for code, month, v in cur.fetchall()}


class ScopedTownAnswerTests:
    def test_the_fixture_is_what_the_docstring_says(self, two_counties):
        users = {code: u for code, u in two_counties["users"].items()}
        for u in users.values():
            u.refresh_from_db()
        a, b = two_counties["a"].id, two_counties["b"].id
        assert {c: u.county_id for c, u in users.items()} == {"A1": a, "A2": a, "B1": b, "B2": b}
        districts = dict(
            IrrigationDistrict.objects.filter(code__startswith="TSTD").values_list(
                "code", "county_id"
            )
        )
        assert districts == {"TSTDA": a, "TSTDB": b}

    def test_a_member_of_a_sees_a_only_and_its_rows_group_by(self, member_of_a, two_counties):
        """Seven identical requests (the statement is prepared; from the sixth PostgreSQL may
        keep a generic plan): every answer the docstring's, TB absent, users' volume equal to
        A's raw GROUP BY, and no row of B's in it."""
        expected_raw = raw_group_by(two_counties["a"].id)
        assert expected_raw == {
            ("TSTTA", f"2024-{m:02d}"): 1000.0 + 100.0 * m for m in range(1, 13)
        }
        for _ in range(7):
            response = member_of_a.get(API, TOWNS_2024)
            assert response.status_code == 200, response.content
            rows = response.json()["results"]
            codes = {r["zone_code"] for r in rows}
            assert "TSTTB" not in codes and "TSTTA" in codes
            ta = {r["month"]: r for r in rows if r["zone_code"] == "TSTTA"}
            assert len(ta) == 12
            for m in range(1, 13):
                row = ta[f"2024-{m:02d}"]
                assert row["users_volume_m3"] == pytest.approx(1000.0 + 100.0 * m)
                assert row["users_volume_m3"] == pytest.approx(
                    expected_raw[("TSTTA", f"2024-{m:02d}")]
                )
                assert row["irrigation_volume_m3"] == pytest.approx(1000.0 * m)
                assert row["volume_m3"] == pytest.approx(1000.0 + 1100.0 * m)
            assert ta["2024-01"]["volume_m3"] == pytest.approx(2100.0)
            assert ta["2024-12"]["volume_m3"] == pytest.approx(14200.0)

    def test_asking_for_the_other_county_town_is_unknown(self, member_of_a, two_counties):
        """TB is outside A's scope: naming it is an unknown code (400), not B's figures."""
        response = member_of_a.get(API, {**TOWNS_2024, "zones": "TSTTB"})
        assert response.status_code == 400
        assert "TSTTB" in str(response.json())

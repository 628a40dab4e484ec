"""A tiny hand-computed world for the consumption tests, and checks that it is what it says.

Coordinates: two 0.1° × 0.1° towns side by side near lon 100.1°, lat 10.05° (far from the demo
county, so the demo's users never fall inside): T1 = [100.0, 100.1] × [10.0, 10.1],
T2 = [100.1, 100.2] × [10.0, 10.1]. Irrigation district D1 = [100.05, 100.15] × [10.0, 10.1]
straddles the border: half of its area lies in each town (equal widths on the same latitudes,
so the spheroidal areas are equal too).

Users (2024 monthly m³):
  U1  T1 industry, public network, plan 12,000 m³/yr: 1,000 every month (2023: 800 a month)
  U2  T1 residential, public network, no plan: 500 every month
  U3  T2 agriculture, surface, no plan: 100 × month number (Jan 100 … Dec 1,200) = 7,800/yr
  U4  T2 services, groundwater, plan 6,000 m³/yr: 600 every month
D1 gross withdrawal 2024: 120,000 m³. T1 statistics 2024: 1,000 persons, GDP 5,000 万元,
cap 120,000 m³ (T2 has none).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from consumption.models import Consumption, WaterUser
from layers.models import AdminArea, AreaYearStats, IrrigationDistrict, IrrigationRecord
from layers.services.membership import membership_refresh_rows

pytestmark = pytest.mark.django_db

T1_BOX = (100.0, 10.0, 100.1, 10.1)
T2_BOX = (100.1, 10.0, 100.2, 10.1)
D1_BOX = (100.05, 10.0, 100.15, 10.1)
IRRIGATION_2024 = 120_000.0


def box(bounds) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox(bounds), srid=4326)


@dataclass
class World:
    t1: AdminArea
    t2: AdminArea
    district: IrrigationDistrict
    users: dict[str, WaterUser]


def monthly(year: int, volumes) -> list[tuple[dt.date, float]]:
    return [(dt.date(year, m, 1), v) for m, v in zip(range(1, 13), volumes, strict=True)]


def build_world() -> World:
    """Create the world described in the module docstring (inside the test's transaction)."""
    t1 = AdminArea.objects.create(code="TST001", name="测试一镇", level="town", geom=box(T1_BOX))
    t2 = AdminArea.objects.create(code="TST002", name="测试二镇", level="town", geom=box(T2_BOX))
    AreaYearStats.objects.create(
        area=t1, year=2024, population=1000, gdp_10k_yuan=5000, water_use_cap_m3=120_000
    )
    district = IrrigationDistrict.objects.create(
        code="TSTD1", name="测试灌区", size="small", effective_area_mu=1000, geom=box(D1_BOX)
    )
    IrrigationRecord.objects.create(
        district=district,
        year=2024,
        gross_withdrawal_m3=IRRIGATION_2024,
        net_field_m3=60_000,
        irrigated_area_mu=900,
    )
    specs = {
        "U1": (Point(100.02, 10.05), "industry", "public_network", 12_000.0),
        "U2": (Point(100.07, 10.05), "residential", "public_network", None),
        "U3": (Point(100.12, 10.05), "agriculture", "surface", None),
        "U4": (Point(100.18, 10.05), "services", "groundwater", 6_000.0),
    }
    users = {
        code: WaterUser.objects.create(
            code=f"TST{code}",
            name=code,
            geom=Point(point.x, point.y, srid=4326),
            sector=sector,
            source=source,
            annual_plan_m3=plan,
        )
        for code, (point, sector, source, plan) in specs.items()
    }
    series = {
        "U1": monthly(2024, [1000.0] * 12) + monthly(2023, [800.0] * 12),
        "U2": monthly(2024, [500.0] * 12),
        "U3": monthly(2024, [100.0 * m for m in range(1, 13)]),
        "U4": monthly(2024, [600.0] * 12),
    }
    Consumption.objects.bulk_create(
        Consumption(user=users[code], month=month, volume_m3=volume)
        for code, rows in series.items()
        for month, volume in rows
    )
    membership_refresh_rows("layers_wateruser", [u.id for u in users.values()])
    for user in users.values():
        user.refresh_from_db()
    return World(t1, t2, district, users)


def agriculture_profile(year: int, county_id: int | None = None) -> dict[dt.date, float]:
    """Each month's share of the year's agricultural consumption of one county's users (the
    world's: those in no county, by default), by a plain loop (expected). A district's
    irrigation is spread by its own county's profile, never by other counties' users."""
    sums: dict[dt.date, float] = defaultdict(float)
    rows = Consumption.objects.filter(
        user__sector="agriculture", month__year=year, user__county_id=county_id
    )
    for month, volume in rows.values_list("month", "volume_m3"):
        sums[month] += volume
    total = sum(sums.values())
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    if not total:
        return {m: 1 / 12 for m in months}
    return {m: sums[m] / total for m in months}


@pytest.fixture
def world() -> World:
    return build_world()


class WorldTests:
    def test_derived_membership_puts_users_in_their_towns(self, world):
        towns = {code: u.town_id for code, u in world.users.items()}
        assert towns == {"U1": world.t1.id, "U2": world.t1.id, "U3": world.t2.id, "U4": world.t2.id}

    def test_profile_sums_to_one(self, world):
        assert sum(agriculture_profile(2024).values()) == pytest.approx(1.0)

"""Consumption at a province's size: the table partitioned by year, and the totals per county ×
town × supply zone × sector × source × plan kept exact by triggers on every write path; the
users' totals (plans) and the town × irrigation district shares kept the same way."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection

from consumption.models import Consumption, ConsumptionTotal, DistrictShare, UserTotal, WaterUser
from layers.models import AdminArea, IrrigationDistrict
from layers.services.membership import membership_refresh_rows
from tests.consumption.test_world import T1_BOX, box, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


KEYS = "county_id, town_id, supply_zone_id, month, sector, source, planned"


def raw_totals() -> set[tuple]:
    """The totals recomputed from the raw rows (the same numeric(24,6) arithmetic)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT u.county_id, u.town_id, u.supply_zone_id, c.month, u.sector, u.source, "
            " u.annual_plan_m3 IS NOT NULL, sum(c.volume_m3::numeric(24, 6)), count(*) "
            "FROM layers_consumption c JOIN layers_wateruser u ON u.id = c.user_id "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7"
        )
        return set(cur.fetchall())


def kept_totals() -> set[tuple]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT {KEYS}, volume_m3, records FROM consumption_total")  # noqa: S608
        return set(cur.fetchall())


def partition_of(user_id: int, month: dt.date) -> str:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tableoid::regclass::text FROM layers_consumption "
            "WHERE user_id = %s AND month = %s",
            [user_id, month],
        )
        return cur.fetchone()[0]


class ConsumptionTotalsTests:
    def test_the_demo_totals_equal_the_rows(self):
        assert kept_totals() == raw_totals()
        assert sum(t.records for t in ConsumptionTotal.objects.all()) == Consumption.objects.count()

    def test_every_kind_of_write_keeps_them_exact(self):
        """Inserts (ORM and bulk), updates of volumes, deletes, a user changing sector, plan
        and place (its town and supply zone follow through the membership service), and a
        SQL UPDATE of many rows at once: after each, the totals equal the raw rows."""
        rng = random.Random(7)
        users = list(WaterUser.objects.order_by("id")[:40])
        Consumption.objects.bulk_create(
            Consumption(user=u, month=dt.date(2026, 1, 1), volume_m3=rng.uniform(0, 900))
            for u in users
        )
        assert kept_totals() == raw_totals()
        Consumption.objects.filter(user__in=users[:10], month=dt.date(2026, 1, 1)).update(
            volume_m3=123.456789
        )
        assert kept_totals() == raw_totals()
        Consumption.objects.filter(user__in=users[10:20], month__year=2025).delete()
        assert kept_totals() == raw_totals()

        moved = users[25]
        moved.sector = "services" if moved.sector != "services" else "industry"
        moved.annual_plan_m3 = None if moved.annual_plan_m3 else 5_000.0
        far = WaterUser.objects.exclude(town=moved.town).exclude(town=None).first()
        moved.geom = Point(far.geom.x + 0.0001, far.geom.y, srid=4326)
        moved.save()
        membership_refresh_rows("layers_wateruser", [moved.pk])
        moved.refresh_from_db()
        assert moved.town_id == far.town_id
        assert kept_totals() == raw_totals()

        with connection.cursor() as cur:
            cur.execute(
                "UPDATE layers_consumption SET volume_m3 = volume_m3 * 1.1 WHERE mod(id, 7) = 0"
            )
        assert kept_totals() == raw_totals()

    def test_a_new_year_gets_its_partition_and_keeps_its_totals(self):
        """Rows of 2031 wait in the default partition; preparing the year moves them into
        layers_consumption_2031; totals do not change in the move."""
        user = WaterUser.objects.order_by("id").first()
        Consumption.objects.create(user=user, month=dt.date(2031, 3, 1), volume_m3=42.5)
        assert partition_of(user.pk, dt.date(2031, 3, 1)) == "layers_consumption_default"
        before = kept_totals()
        with connection.cursor() as cur:
            cur.execute("SELECT consumption_partition_ensure(2031)")
        assert partition_of(user.pk, dt.date(2031, 3, 1)) == "layers_consumption_2031"
        assert kept_totals() == before == raw_totals()

    def test_a_query_for_one_year_reads_only_its_partition(self):
        with connection.cursor() as cur:
            cur.execute(
                "EXPLAIN SELECT sum(volume_m3) FROM layers_consumption "
                "WHERE month >= '2024-01-01' AND month < '2025-01-01'"
            )
            plan = "\n".join(r[0] for r in cur.fetchall())
        assert "layers_consumption_2024" in plan
        assert "layers_consumption_2023" not in plan and "layers_consumption_2025" not in plan


class PartitionCommandTests:
    def test_the_command_prepares_the_coming_years(self):
        """Rows of 2030 waiting in the default partition move into 2030's when the command
        prepares the years up to 2030."""
        user = WaterUser.objects.order_by("id").first()
        Consumption.objects.create(user=user, month=dt.date(2030, 5, 1), volume_m3=7.0)
        call_command("consumption_partitions", until=2030, stdout=io.StringIO())
        assert partition_of(user.pk, dt.date(2030, 5, 1)) == "layers_consumption_2030"
        assert kept_totals() == raw_totals()


# --- the users' totals (plans) and the town × district shares -------------------------------

USER_KEYS = "county_id, town_id, supply_zone_id, sector, source"


def raw_user_totals() -> set[tuple]:
    """Users and plans per key recomputed from the users (numeric(24,6) like the kept ones)."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {USER_KEYS}, count(*), count(annual_plan_m3), "  # noqa: S608 (constants)
            " coalesce(sum(annual_plan_m3::numeric(24, 6)), 0) "
            f"FROM layers_wateruser GROUP BY {USER_KEYS}"
        )
        return set(cur.fetchall())


def kept_user_totals() -> set[tuple]:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {USER_KEYS}, users, planned_users, annual_plan_m3 "  # noqa: S608
            "FROM consumption_user_total"
        )
        return set(cur.fetchall())


def live_shares() -> dict[tuple[int, int], float | None]:
    """Every intersecting town × district pair's share by a live intersection (expected)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.id, d.id, ST_Area(ST_Intersection(t.geom, d.geom)::geography) "
            " / NULLIF(ST_Area(d.geom::geography), 0) "
            "FROM layers_adminarea t JOIN layers_irrigationdistrict d "
            " ON ST_Intersects(t.geom, d.geom) WHERE t.level = 'town'"
        )
        return {(t, d): share for t, d, share in cur.fetchall()}


def kept_shares() -> dict[tuple[int, int], float | None]:
    return {
        (s.town_id, s.district_id): s.share
        for s in DistrictShare.objects.all()  # no county: not scoped
    }


class UserTotalsTests:
    def test_the_demo_user_totals_equal_the_users(self):
        assert kept_user_totals() == raw_user_totals()
        assert sum(t.users for t in UserTotal.objects.all()) == WaterUser.objects.count()

    def test_every_kind_of_write_keeps_them_exact(self, world):
        """The world's four users (plans 12,000 and 6,000 m³), then: a plan set and one
        cleared, a user moved to the other town (membership service), a SQL update of many
        users' plans at once, a user deleted: after each, the kept totals equal the users."""
        assert kept_user_totals() == raw_user_totals()
        u1, u2, u3, u4 = (world.users[k] for k in ("U1", "U2", "U3", "U4"))
        t1 = UserTotal.objects.get(town=world.t1, sector="industry")
        assert (t1.users, t1.planned_users, float(t1.annual_plan_m3)) == (1, 1, 12_000.0)

        u2.annual_plan_m3, u1.annual_plan_m3 = 3_000.0, None
        u2.save()
        u1.save()
        assert kept_user_totals() == raw_user_totals()

        u4.geom = Point(100.05, 10.05, srid=4326)  # from T2 into T1
        u4.save()
        membership_refresh_rows("layers_wateruser", [u4.pk])
        u4.refresh_from_db()
        assert u4.town_id == world.t1.pk
        assert kept_user_totals() == raw_user_totals()

        with connection.cursor() as cur:
            cur.execute(
                "UPDATE layers_wateruser SET annual_plan_m3 = coalesce(annual_plan_m3, 0) + 0.5 "
                "WHERE mod(id, 5) = 0"
            )
        assert kept_user_totals() == raw_user_totals()
        u3.delete()
        assert kept_user_totals() == raw_user_totals()


class DistrictSharesTests:
    def test_the_demo_shares_equal_the_live_overlap(self):
        kept = kept_shares()
        assert kept and kept.keys() == live_shares().keys()
        for pair, share in live_shares().items():
            assert kept[pair] == pytest.approx(share, rel=1e-12)

    def test_writes_to_districts_and_towns_keep_them(self, world):
        """The world's D1 = [100.05, 100.15] × [10.0, 10.1] lies half in T1, half in T2 (0.5
        each, to 1e-6 on the spheroid). Moved to [100.0, 100.05] it lies in T1 only (1.0); T2
        moved onto T1 holds it too (1.0 each); T2 made a county (not a town) drops its pair; a
        second district and its deletion; after each, the kept shares equal the live ones."""
        t1, t2, d1 = world.t1, world.t2, world.district
        assert kept_shares()[(t1.pk, d1.pk)] == pytest.approx(0.5, rel=1e-6)
        assert kept_shares()[(t2.pk, d1.pk)] == pytest.approx(0.5, rel=1e-6)

        d1.geom = box((100.0, 10.0, 100.05, 10.1))
        d1.save()
        assert kept_shares()[(t1.pk, d1.pk)] == pytest.approx(1.0, rel=1e-6)
        assert (t2.pk, d1.pk) not in kept_shares()
        assert kept_shares() == pytest.approx(live_shares(), rel=1e-12)

        t2.geom = box((100.0, 10.0, 100.1, 10.1))
        t2.save()
        assert kept_shares()[(t2.pk, d1.pk)] == pytest.approx(1.0, rel=1e-6)
        assert kept_shares() == pytest.approx(live_shares(), rel=1e-12)

        AdminArea.objects.filter(pk=t2.pk).update(level="county")
        assert (t2.pk, d1.pk) not in kept_shares()
        second = IrrigationDistrict.objects.create(
            code="TSTD2", name="二", size="small", effective_area_mu=10, geom=box(T1_BOX)
        )
        assert kept_shares()[(t1.pk, second.pk)] == pytest.approx(1.0, rel=1e-6)
        assert kept_shares() == pytest.approx(live_shares(), rel=1e-12)
        second.delete()
        assert kept_shares() == pytest.approx(live_shares(), rel=1e-12)
        assert not [p for p in kept_shares() if p[1] == second.pk]

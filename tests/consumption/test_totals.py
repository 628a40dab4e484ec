"""Consumption at a province's size: the table partitioned by year, and the totals per county ×
town × supply zone × sector × source × plan kept exact by triggers on every write path."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection

from consumption.models import Consumption, ConsumptionTotal, WaterUser
from layers.services.membership import membership_refresh_rows

pytestmark = pytest.mark.django_db

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

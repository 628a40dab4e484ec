"""The evaluation worker: a committed write, by any path, wakes it through the database's
notification and the stale verdicts become fresh without any read asking for it."""

from __future__ import annotations

import threading

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection

from compliance.evaluation import evaluate
from compliance.freshness import stale_families
from compliance.services import indicators_seed
from compliance.worker import listener_conninfo, worker_loop
from layers.models import AdminArea, AreaYearStats
from tests.helpers import wait_for

YEAR = 2024


@pytest.mark.django_db(transaction=True)
def test_a_committed_sql_write_wakes_the_worker_and_the_verdicts_become_fresh():
    # Self-contained: a transactional test may run after others emptied the database.
    indicators_seed()
    county = AdminArea.objects.create(
        code="990003",
        name="worker test county",
        level="county",
        geom=MultiPolygon(Polygon.from_bbox((101.0, 30.0, 101.1, 30.1)), srid=4326),
    )
    AreaYearStats.objects.create(area=county, year=YEAR, population=1000)
    evaluate(area=county, year=YEAR)
    assert stale_families(county, YEAR) == []
    stop = threading.Event()
    passes: list[list] = []

    def run() -> None:
        try:
            worker_loop(
                listener_conninfo(),
                poll_seconds=60,
                settle_seconds=0.05,
                should_stop=stop.is_set,
                on_done=passes.append,
            )
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert wait_for(lambda: len(passes) >= 1)  # the pass at start
        with connection.cursor() as cur:  # autocommit: as a SQL fix would be made
            cur.execute(
                "UPDATE layers_areayearstats SET population = population + 1 WHERE area_id = %s",
                [county.pk],
            )
        assert stale_families(county, YEAR) != []  # the trigger made them stale at once
        assert wait_for(lambda: stale_families(county, YEAR) == [])
        assert any((county.code, YEAR) in done for done in passes[1:])
    finally:
        stop.set()
        with connection.cursor() as cur:  # wake the loop so that it sees the stop
            cur.execute("SELECT pg_notify('lianzhou_data_changed', 'stop')")
        thread.join(timeout=30)
    assert not thread.is_alive()

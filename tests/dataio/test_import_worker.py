"""The background worker runs browser imports (issue 17): a job queued by the import page wakes
the worker loop through the database's notification, its progress is visible to other sessions
while the import's own transaction is still open, and the import's writes are then evaluated
like any other write."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection

from accounts.models import AreaMembership
from compliance.worker import listener_conninfo, worker_loop
from dataio.jobs import _ProgressWriter, job_enqueue, staging_dir
from dataio.models import ImportJob
from layers.models import AdminArea, AreaYearStats
from tests.helpers import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_wakes_the_worker_which_runs_it(django_user_model):
    """Two statistics rows for a throw-away county: the job is queued (committed), the worker
    wakes on the notification, imports both rows and marks the job done with its report
    (2 created) and its last step, 'write', at 2 of 2 rows."""
    county = AdminArea.objects.create(
        code="990005",
        name="import worker test county",
        level="county",
        geom=MultiPolygon(Polygon.from_bbox((101.0, 30.0, 101.1, 30.1)), srid=4326),
    )
    user = django_user_model.objects.create_user("importer", password="x")
    # A member of the county: with the demo county also present, a user without an area
    # sees no county at all (accounts.scope), whatever ran before this test.
    AreaMembership.objects.create(user=user, area=county)
    staged = staging_dir() / "worker-test.csv"
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_text("area_code,year,population\n990005,2023,1000\n990005,2024,1010\n")
    stop = threading.Event()

    def run() -> None:
        try:
            worker_loop(
                listener_conninfo(), poll_seconds=60, settle_seconds=0.05, should_stop=stop.is_set
            )
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        time.sleep(1.0)  # the worker's first pass finds an empty queue, then listens
        job = job_enqueue(
            kind="records",
            target="area-stats",
            staged_name=staged.name,
            file_name="统计.csv",
            options={},
            dry_run=False,
            user=user,
        )  # autocommit: committed at once, so the notification is sent
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).finished)
        job.refresh_from_db()
        assert job.state == "done", job.errors
        assert job.report["created"] == 2 and job.report["rows"] == 2
        assert (job.step, job.done, job.total) == ("write", 2, 2)
        assert job.started_at and job.finished_at >= job.started_at
        assert AreaYearStats.objects.filter(area=county).count() == 2
        assert not staged.exists()  # imported: the staged file is removed
    finally:
        stop.set()
        with connection.cursor() as cur:  # wake the loop so that it sees the stop
            cur.execute("SELECT pg_notify('import_requested', 'stop')")
        thread.join(timeout=60)
    assert not thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_while_the_import_transaction_is_open(django_user_model):
    """The progress writer has its own connection: a step written inside an open transaction
    of the default connection is visible to another session at once."""
    from django.db import transaction

    user = django_user_model.objects.create_user("importer2", password="x")
    job = ImportJob.objects.create(
        kind="records", target="area-stats", file_name="a.csv", staged_name="a.csv",
        created_by=user, state="running",
    )  # fmt: skip
    writer = _ProgressWriter(job.pk, listener_conninfo())
    try:
        with transaction.atomic():
            AreaYearStats.objects.count()  # the import's transaction is open
            writer("area-stats: validate", 5000, 20000)
            with psycopg.connect(listener_conninfo()) as other:  # as the page's poll would be
                got = other.execute(
                    "SELECT step, done, total FROM dataio_importjob WHERE id = %s", [job.pk]
                ).fetchone()
            assert got == ("validate", 5000, 20000)
    finally:
        writer.close()

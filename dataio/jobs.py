"""Browser imports as background jobs: queued by the import pages, run by the background worker
(compliance/worker.py, `manage.py evaluation_worker`) through the same import services as the
commands, with their progress written where the page can poll it.

A job's progress goes through its own autocommit connection: the import itself runs in one
transaction (all or nothing), which no other session sees until it ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language

from accounts.scope import acting_for
from audit.services import audit_import
from dataio.importing import ImportFailed
from dataio.importing.errors import ImportReport, RowError
from dataio.importing.layer_import import layer_import
from dataio.importing.raster_import import raster_import
from dataio.importing.records_import import records_import
from dataio.models import ImportJob, ImportMapping

log = logging.getLogger(__name__)

IMPORT_REQUESTED_CHANNEL = "import_requested"
SHOWN_ROWS = 200  # a job keeps this many refusals or changes for its page; counts say the rest
PROGRESS_EVERY_S = 0.5


def staging_dir() -> Path:
    """Where uploads wait for their check and import (random names, swept after
    LAYER_UPLOAD_KEEP_S). Only the upload creates it: a page that reads a job writes nothing."""
    return Path(settings.MEDIA_ROOT) / "import-staging"


def staging_sweep() -> None:
    """Remove staged files older than LAYER_UPLOAD_KEEP_S that no queued or running job needs."""
    limit = time.time() - settings.LAYER_UPLOAD_KEEP_S
    busy = set(
        ImportJob.objects.filter(
            state__in=(ImportJob.State.QUEUED, ImportJob.State.RUNNING)
        ).values_list("staged_name", flat=True)
    )
    if not staging_dir().is_dir():
        return
    for path in staging_dir().iterdir():
        if path.is_file() and path.name not in busy and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def job_enqueue(
    *,
    kind: str,
    target: str,
    staged_name: str,
    file_name: str,
    options: dict,
    dry_run: bool,
    user,
    checked: ImportJob | None = None,
    mapping: ImportMapping | None = None,
) -> ImportJob:
    """Queue an import (or its check) and wake the worker once the job is committed. The job
    runs in the language active now (the uploader's), which its report is written in.
    mapping: the saved mapping the file is read with, recorded (options hold its JSON as it
    was, so an edit between the check and the import changes neither)."""
    job = ImportJob.objects.create(
        language=get_language() or settings.LANGUAGE_CODE,
        kind=kind,
        target=target,
        staged_name=staged_name,
        file_name=file_name[:200],
        options=options,
        dry_run=dry_run,
        checked=checked,
        mapping=mapping,
        created_by=user,
    )
    transaction.on_commit(_wake_worker)
    return job


def _wake_worker() -> None:
    with connection.cursor() as cur:
        cur.execute(f"NOTIFY {IMPORT_REQUESTED_CHANNEL}")


class _ProgressWriter:
    """The services' progress callback (step, done, total) → the job row, at most every
    PROGRESS_EVERY_S, on a connection of its own (visible while the import's transaction runs)."""

    def __init__(self, job_id, conninfo: str):
        self.job_id = job_id
        self.conn = psycopg.connect(conninfo, autocommit=True)
        self.last = 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_S and not (total and done >= total):
            return
        self.last = now
        self.conn.execute(
            "UPDATE dataio_importjob SET step = %s, done = %s, total = %s, heartbeat_at = now() "
            "WHERE id = %s",
            [step.rpartition(": ")[2][:100], max(done, 0), max(total, 0), self.job_id],
        )

    def close(self) -> None:
        self.conn.close()


def _run_layer(job: ImportJob, path: Path, progress) -> ImportReport:
    return layer_import(
        slug=job.target, path=path, dry_run=job.dry_run, user=job.created_by,
        progress=progress, **job.options,
    )  # fmt: skip


def _run_records(job: ImportJob, path: Path, progress) -> ImportReport:
    return records_import(
        kind=job.target, path=path, dry_run=job.dry_run, progress=progress, **job.options
    )


def _run_raster(job: ImportJob, path: Path, progress) -> ImportReport:
    return raster_import(
        slug=job.target, path=path, dry_run=job.dry_run, progress=progress, **job.options
    )


RUNNERS: dict[str, Callable[[ImportJob, Path, Callable], ImportReport]] = {
    ImportJob.Kind.LAYER: _run_layer,
    ImportJob.Kind.RECORDS: _run_records,
    ImportJob.Kind.RASTER: _run_raster,
}


def report_stored(report: ImportReport) -> dict:
    """What a job page shows of a report: counts, notes and the first SHOWN_ROWS changes."""
    moving = [c for c in report.changes if c.action != "unchanged"]
    return {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "retired": report.retired,
        "unchanged": report.unchanged,
        "notes": report.notes,
        "changes": [
            {"row": c.row, "code": c.code, "action": c.action, "fields": list(c.fields)}
            for c in moving[:SHOWN_ROWS]
        ],
        "change_count": len(moving),
    }


def _claim() -> ImportJob | None:
    """The oldest queued job, marked running (committed), or None; SKIP LOCKED lets several
    workers share the queue."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(state=ImportJob.State.QUEUED)
            .order_by("created_at")
            .first()
        )
        if job is None:
            return None
        job.state = ImportJob.State.RUNNING
        job.started_at = job.heartbeat_at = timezone.now()
        job.save(update_fields=["state", "started_at", "heartbeat_at"])
    return job


def job_run(job: ImportJob, conninfo: str) -> ImportJob:
    """Run one claimed job through its import service; store its report or refusals, audit it."""
    path = staging_dir() / job.staged_name
    progress = _ProgressWriter(job.pk, conninfo)
    audit = {"kind": job.kind, "target": job.target, "path": job.file_name, "user": job.created_by}
    try:
        if not path.is_file():
            raise ImportFailed([RowError(0, "file", "the uploaded file is no longer available")])
        # In the uploader's language, and limited to their area (layers/scope.py).
        with (
            translation.override(job.language or settings.LANGUAGE_CODE),
            acting_for(job.created_by),
        ):
            report = RUNNERS[job.kind](job, path, progress)
    except ImportFailed as exc:
        job.state = ImportJob.State.REFUSED
        job.errors = [[e.row, e.column, e.reason] for e in exc.errors[:SHOWN_ROWS]]
        job.error_count = len(exc.errors)
        audit_import(errors=exc.errors, **audit)
    except Exception:  # an unexpected error: the service's transaction rolled back
        log.exception("import job %s failed", job.pk)
        job.state = ImportJob.State.FAILED
    else:
        job.state = ImportJob.State.DONE
        job.report = report_stored(report)
        if not job.dry_run:
            audit_import(report=report, **audit)
            path.unlink(missing_ok=True)  # imported: the staged file is no longer needed
    finally:
        progress.close()
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "errors", "error_count", "report", "finished_at"])
    return job


def jobs_interrupted_mark() -> int:
    """Mark running jobs whose progress stopped longer ago than the import's own time limit
    (their worker died) as failed; returns how many."""
    limit = timezone.now() - timedelta(seconds=settings.IMPORT_STATEMENT_TIMEOUT_S + 120)
    return ImportJob.objects.filter(state=ImportJob.State.RUNNING, heartbeat_at__lt=limit).update(
        state=ImportJob.State.FAILED, finished_at=timezone.now()
    )


def jobs_run_pending(conninfo: str, *, limit: int = 100) -> int:
    """Run queued jobs, oldest first, until none is left (or `limit`); returns how many ran."""
    jobs_interrupted_mark()
    ran = 0
    while ran < limit:
        job = _claim()
        if job is None:
            break
        job_run(job, conninfo)
        ran += 1
    return ran

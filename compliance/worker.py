"""The evaluation worker: re-evaluates whatever a write made stale, so reads never have to.

Every write to a tracked table notifies `DATA_CHANGED_CHANNEL` at commit (database triggers,
layers/version_triggers.py), whatever path made it: the API, the admin, an import, SQL. A read
of a year never evaluated notifies `EVALUATION_REQUESTED_CHANNEL` with "<area id>:<year>". The
worker (`manage.py evaluation_worker`, started by `make run` and by compose) listens on both,
waits a moment for a burst of writes to settle, and brings the stale verdicts up to date; it
also wakes every `poll_seconds` in case a notification was missed (the worker was down).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

import psycopg
import psycopg.conninfo
from django.db import connection

from compliance.freshness import EVALUATION_REQUESTED_CHANNEL, evaluated_years, results_ensure_fresh
from dataio.jobs import IMPORT_REQUESTED_CHANNEL, jobs_run_pending
from layers.models import AdminArea
from layers.version_triggers import DATA_CHANGED_CHANNEL

log = logging.getLogger(__name__)


def evaluate_stale(requested: Iterable[tuple[int, int]] = ()) -> list[tuple[str, int]]:
    """Re-evaluate every stale family of every county's evaluated years, and the requested
    (area id, year) pairs; returns the (county code, year) pairs that were re-evaluated."""
    done = []
    counties = {a.id: a for a in AdminArea.objects.filter(level="county").defer("geom")}
    wanted = {(area_id, year) for area_id in counties for year in evaluated_years(area_id)}
    wanted |= {(a, y) for a, y in requested if a in counties}
    for area_id, year in sorted(wanted):
        if results_ensure_fresh(counties[area_id], year):
            done.append((counties[area_id].code, year))
    return done


def _requests(payloads: Iterable[str]) -> set[tuple[int, int]]:
    found = set()
    for payload in payloads:
        area, _sep, year = payload.partition(":")
        if area.isdigit() and year.isdigit():
            found.add((int(area), int(year)))
    return found


def listener_conninfo() -> str:
    """The default database's connection string, for the worker's listening connection."""
    db = connection.settings_dict
    params = {
        "dbname": db["NAME"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "host": db["HOST"],
        "port": db["PORT"],
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v})


def _imports_run(run: Callable[[str], int], conninfo: str) -> None:
    try:
        run(conninfo)
    except Exception:  # a broken job never stops the worker; the job is marked by its runner
        log.exception("import jobs pass failed")
    finally:
        connection.close()


def worker_loop(
    conninfo: str,
    *,
    poll_seconds: float = 60.0,
    settle_seconds: float = 0.3,
    should_stop: Callable[[], bool] = lambda: False,
    on_done: Callable[[list[tuple[str, int]]], None] = lambda done: None,
) -> None:
    """Listen for changes and evaluate until `should_stop()`; one pass at start. Each pass
    first runs the browser imports waiting in the queue (dataio.jobs): their writes are then
    evaluated in the same pass."""
    with psycopg.connect(conninfo, autocommit=True) as listener:
        listener.execute(f"LISTEN {DATA_CHANGED_CHANNEL}")
        listener.execute(f"LISTEN {EVALUATION_REQUESTED_CHANNEL}")
        listener.execute(f"LISTEN {IMPORT_REQUESTED_CHANNEL}")
        _imports_run(jobs_run_pending, conninfo)
        on_done(evaluate_stale())
        while not should_stop():
            payloads = [n.payload for n in listener.notifies(timeout=poll_seconds, stop_after=1)]
            if should_stop():
                break
            time.sleep(settle_seconds)  # let a burst of writes commit, evaluate once for all
            payloads += [n.payload for n in listener.notifies(timeout=0.01)]
            _imports_run(jobs_run_pending, conninfo)
            try:
                on_done(evaluate_stale(_requests(payloads)))
            except Exception:  # a failed pass is retried on the next wake, never fatal
                log.exception("evaluation pass failed")
            finally:
                connection.close()  # a fresh connection per pass: no idle transaction kept

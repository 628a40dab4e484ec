"""Polling helpers for fault tests: wait for a condition, find sessions waiting for a lock."""

from __future__ import annotations

import time

from tests.operations.dbtools import admin


def wait_for(predicate, timeout: float = 60, what: str = "condition"):
    """Poll `predicate` every 50 ms until it returns something true; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def lock_waiters(dbname: str) -> list[int]:
    """Sessions on `dbname` waiting for a lock (table, row or advisory)."""
    with admin() as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [dbname],
        ).fetchall()
    return [pid for (pid,) in rows]

"""Where a layer import spends its time: Python phases and each SQL statement, one import.

Usage: DATABASE_URL=<scratch database> python -m tests.benchmarks.import_profile <slug> <file>
Prints JSON: {"total": s, "phases": {name: s}, "steps": {step: s}, "statements": [[first words,
s], ...]}: the SQL time per step of the import (STEPS) and the statements slower than 50 ms,
slowest first. Run it on a scratch database: the import is kept.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from dataio.importing import layer_import  # noqa: E402

SLOW_S = 0.05
# The steps of a layer import, by what their statements touch (first match wins).
STEPS = (
    ("history (a first load: ids and looked-up codes)", ("layers_networkchange",)),
    ("route conflicts", ("_import_routes",)),
    (
        "indexes and constraints built again (pipes, nodes)",
        (
            "CREATE INDEX",
            "ADD CONSTRAINT",
            "VALIDATE CONSTRAINT",
            "ANALYZE layers_",
            'ANALYZE "layers_',
        ),
    ),
    ("binding ends to nodes (junctions inserted)", ("_bind_", "layers_pipenode")),
    ("insert (county and towns derived)", ("_derived", 'INSERT INTO "layers_pipesegment"')),
    ("staging and comparing", ("_import_stage", "_import_diff")),
)


def _label(sql: str) -> str:
    words = " ".join(str(sql).split())
    return words[:90]


def _step(sql: str) -> str:
    for step, marks in STEPS:
        if any(mark in sql for mark in marks):
            return step
    return "other statements"


def profile(slug: str, path: Path) -> dict:
    statements: list[tuple[str, float]] = []
    steps: dict[str, float] = {}
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if done == total:
            marks.setdefault(stage, time.perf_counter())

    # The upsert and the node binding run on psycopg's own cursor (COPY, composed SQL), which
    # Django's execute wrappers do not see: trace psycopg's cursor class (restored afterwards),
    # which Django's cursors go through too.
    cursor_class = type(connection.cursor().cursor)
    original = cursor_class.execute

    def traced(self, query, params=None, **kwargs):
        started = time.perf_counter()
        try:
            return original(self, query, params, **kwargs)
        finally:
            text = query.as_string(self) if hasattr(query, "as_string") else query
            statements.append((_label(text), time.perf_counter() - started))
            steps[_step(str(text))] = steps.get(_step(str(text)), 0.0) + statements[-1][1]

    started = time.perf_counter()
    cursor_class.execute = traced
    try:
        layer_import(slug=slug, path=path, progress=progress)
    finally:
        cursor_class.execute = original
    total = time.perf_counter() - started
    sql_total = sum(s for _label_, s in statements)
    validated = marks.get(f"{slug}: validate", started)
    phases = {
        "read and validate (Python)": validated - started,
        "SQL statements": sql_total,
        "the rest (EWKB, COPY of the rows, commit)": total - (validated - started) - sql_total,
    }
    slow = sorted((s for s in statements if s[1] >= SLOW_S), key=lambda s: -s[1])
    return {
        "total": total,
        "phases": phases,
        "steps": dict(sorted(steps.items(), key=lambda item: -item[1])),
        "statements": [[t, s] for t, s in slow],
    }


if __name__ == "__main__":
    print(json.dumps(profile(sys.argv[1], Path(sys.argv[2]))))

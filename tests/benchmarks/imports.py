"""Import benchmark: `import_layer pipes` of a 200,000-segment GeoPackage vs `ogr2ogr`.

The file is the scale-10 pipes (export_layer, ordered by code) cut to the first 200,000
features, cached under data/bench/import/. Each side loads it into its own scratch database,
copied from a migrated empty template (our import needs the schema; ogr2ogr only PostGIS), as
a user would run it: one command, timed from start to exit. Rounds alternate which side goes
first; a warm-up round of both is dropped; the scratch databases are dropped afterwards.

Usage (standalone, prints JSON): .venv/bin/python -m tests.benchmarks.imports
Python-level profile of one import (pyinstrument, requirements-dev.txt), on a scratch copy:
  DATABASE_URL=…/<scratch> .venv/bin/pyinstrument manage.py import_layer pipes <file>
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from tests.benchmarks.common import (
    BASE_URL,
    PY,
    ROOT,
    ROUNDS,
    database_url,
    manage,
    run_json,
    summary,
)

SEGMENTS = 200_000
SOURCE_SCALE = 10  # lianzhou_bench_s10 holds 207,099 pipes
CACHE = ROOT / "data" / "bench" / "import"
SOURCE = CACHE / f"pipes-{SEGMENTS}.gpkg"
TEMPLATE = "lianzhou_bench_import_template"
SCRATCH = {"ours": "lianzhou_bench_import_ours", "ogr2ogr": "lianzhou_bench_import_ogr"}
IMPORT_ROUNDS = int(os.environ.get("BENCH_IMPORT_ROUNDS", str(min(ROUNDS, 3))))


def _connect(database: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(
        database_url(database).replace("postgis://", "postgresql://"), autocommit=True
    )


def _pg_dsn(database: str) -> str:
    """GDAL's PG: connection string for a database of the bench cluster."""
    parts = urlsplit(BASE_URL)
    return (
        f"PG:host={parts.hostname} port={parts.port or 5432} dbname={database} "
        f"user={parts.username} password={parts.password}"
    )


def _django(database: str, *args: str, capture: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url(database), "DEBUG": "false"}
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )


def source_file() -> Path:
    """The cached 200,000-pipe GeoPackage, derived from the scale-10 database if missing."""
    if SOURCE.is_file():
        return SOURCE
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        full = Path(tmp) / "pipes-s10.gpkg"
        manage(SOURCE_SCALE, "export_layer", "pipes", str(full), "-v", "0")
        part = Path(tmp) / SOURCE.name
        subprocess.run(
            [
                "ogr2ogr",
                "-f",
                "GPKG",
                "-limit",
                str(SEGMENTS),
                "-nln",
                "pipes",
                str(part),
                str(full),
            ],
            check=True,
            capture_output=True,
        )
        shutil.move(part, SOURCE)
    return SOURCE


def _database_exists(conn: psycopg.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    )


def template_ensure() -> None:
    """A migrated database with no data, kept between runs and migrated up to date each run."""
    with _connect() as conn:
        if not _database_exists(conn, TEMPLATE):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    with _connect(TEMPLATE) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    _django(TEMPLATE, "migrate", "--noinput", "-v", "0")


def _scratch_create(name: str) -> None:
    with _connect() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        for attempt in range(20):  # the template must have no session open; wait a moment
            try:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(TEMPLATE)
                    )
                )
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 19:
                    raise
                time.sleep(0.5)


def _scratch_drop(name: str) -> None:
    with _connect() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _count(database: str, table: str) -> int:
    with _connect(database) as conn:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        return conn.execute(query).fetchone()[0]


def import_ours(path: Path) -> dict:
    """`manage.py import_layer pipes <file>` into a fresh copy of the template."""
    database = SCRATCH["ours"]
    _scratch_create(database)
    try:
        started = time.perf_counter()
        _django(database, "import_layer", "pipes", str(path), "-v", "0")
        seconds = time.perf_counter() - started
        return {
            "seconds": seconds,
            "rows": _count(database, "layers_pipesegment"),
            "nodes": _count(database, "layers_pipenode"),
        }
    finally:
        _scratch_drop(database)


def import_ogr2ogr(path: Path) -> dict:
    """`ogr2ogr -f PostgreSQL` (GDAL defaults: COPY, spatial index) into a scratch table."""
    database = SCRATCH["ogr2ogr"]
    _scratch_create(database)
    try:
        started = time.perf_counter()
        subprocess.run(
            [
                "ogr2ogr",
                "-f",
                "PostgreSQL",
                _pg_dsn(database),
                str(path),
                "-nln",
                "scratch_pipes",
                "-lco",
                "GEOMETRY_NAME=geom",
            ],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "rows": _count(database, "scratch_pipes")}
    finally:
        _scratch_drop(database)


SIDES = {"ours": import_ours, "ogr2ogr": import_ogr2ogr}


def import_profiled(path: Path) -> dict:
    """One more import of ours, timing its Python phases and SQL statements (import_profile)."""
    database = SCRATCH["ours"]
    _scratch_create(database)
    try:
        return run_json(
            "tests.benchmarks.import_profile", database_url(database), "pipes", str(path)
        )
    finally:
        _scratch_drop(database)


def run() -> dict:
    path = source_file()
    template_ensure()
    samples: dict[str, list[float]] = {side: [] for side in SIDES}
    last: dict[str, dict] = {}
    for round_ in range(IMPORT_ROUNDS + 1):  # round 0 warms the page cache and is dropped
        order = list(SIDES) if round_ % 2 == 0 else list(reversed(SIDES))
        for side in order:
            out = SIDES[side](path)
            if out["rows"] != SEGMENTS:
                raise RuntimeError(f"{side} loaded {out['rows']} rows, expected {SEGMENTS}")
            if round_:
                samples[side].append(out["seconds"])
            last[side] = out
    figures = {side: summary(samples[side]) for side in SIDES}
    return {
        **figures,
        "ratio": statistics.median(samples["ours"]) / statistics.median(samples["ogr2ogr"]),
        "segments": SEGMENTS,
        "file_bytes": path.stat().st_size,
        "nodes_created": last["ours"]["nodes"],
        "rounds": IMPORT_ROUNDS,
        "profile": import_profiled(path),
    }


def _seconds(f: dict) -> str:
    return f"{f['median']:.1f} ({f['min']:.1f}–{f['max']:.1f})"


def section(figures: dict) -> list[str]:
    seg = figures["segments"]
    lines = [
        f"## Import: {seg:,} pipe segments from a GeoPackage",
        "",
        f"The first {seg:,} scale-10 pipes (by code) exported to a "
        f"{figures['file_bytes'] / 1e6:.0f} MB GeoPackage. Ours: `manage.py import_layer pipes` "
        "(reads, validates every row and reports every bad one, reprojects, binds each end to a "
        f"node — here creating {figures['nodes_created']:,} junctions, as the database is empty — "
        "then upserts by code and refreshes derived memberships, all in one transaction). "
        "Floor: `ogr2ogr -f PostgreSQL` of the same file into a new table (COPY, spatial index; no "
        "validation). Each into a fresh database copied from a migrated empty one; whole command "
        f"timed; {figures['rounds']} alternating rounds after a warm-up. Times in s.",
        "",
        "| side | median (min–max) |",
        "|---|---|",
        f"| import_layer | {_seconds(figures['ours'])} |",
        f"| ogr2ogr | {_seconds(figures['ogr2ogr'])} |",
        "",
        f"import_layer ÷ ogr2ogr: **{figures['ratio']:.2f}×**.",
        "",
    ]
    profile = figures.get("profile")
    if profile:
        total = profile["total"]
        lines += [
            f"Where our time goes (one more import, timed in-process: {total:.1f} s; "
            "`python -m tests.benchmarks.import_profile`):",
            "",
            "| part | s | share |",
            "|---|---|---|",
        ]
        for name, seconds in profile["phases"].items():
            lines.append(f"| {name} | {seconds:.1f} | {seconds / total:.0%} |")
        for text, seconds in profile["statements"][:8]:
            lines.append(f"| SQL: `{text[:70]}…` | {seconds:.1f} | {seconds / total:.0%} |")
        lines += ["", *IMPORT_WHY, ""]
    return lines


# Read from the profile above (stable across runs: the binding and the row-by-row index
# upkeep dominate); the Targets table repeats the short form when the target is missed.
IMPORT_WHY = [
    "Why we are slower than the floor: ogr2ogr only COPYs the rows into a bare table and "
    "builds one index afterwards. We also (1) bind every pipe end to a node within the snap "
    "tolerance (one set-based pass: distinct ends matched to existing nodes, the loose ends "
    "clustered once, one junction inserted per cluster: 121,521 of them for this file into an "
    "empty network); (2) merge into the live table, which keeps 8 indexes, its CHECKs "
    "(ST_IsValid among them) and 4 foreign keys, the node keys checked at commit; (3) check "
    "every cell against the layer's rules (types, ranges, markup) to report every bad row; "
    "(4) start Django (~2–3 s).",
    "",
    "Measured while fixing it: re-inserting the final 200,000 rows into the pipes table by bare "
    "SQL takes 2.7 s plus ~2 s of foreign-key checks at commit, against 0.45 s into a plain "
    "table with one spatial index. So with the schema's guarantees kept, the floor of our own "
    "import is already above 3× ogr2ogr; what is left to win is in the binding (~40 % of the "
    "profile) — e.g. snapping to a metre grid in SQL before clustering — and dropping and "
    "rebuilding the secondary indexes when a first load fills an empty table.",
]


if __name__ == "__main__":
    print(json.dumps(run()))

"""The counties benchmark's databases: Lianzhou alone, then with N - 1 synthetic clones.

lianzhou_bench_counties_1 holds the scale-1 demo of Lianzhou only (`load_demo --county
441882`); lianzhou_bench_counties_N is a copy of it (`createdb -T`) to which N - 1 counties are
added by CLONING Lianzhou in SQL, one transaction per clone, set-based (INSERT … SELECT):

- a county 4499kk "合成县k" (same parent city) whose outline is Lianzhou's translated east by
  k × (Lianzhou's width + GAP_DEG), and its towns translated likewise (codes 4499kk…);
- every layer's rows of Lianzhou (zones, districts, plants, roads, supply zones, nodes, pipes
  with their end nodes remapped, water users) translated the same way with the SAME codes
  (codes are unique per county), and the rows hanging off them (monthly consumption, records,
  area statistics, registers) copied with their foreign keys remapped.

The database triggers derive every clone's county_id (layers/county_triggers.py) and keep the
consumption totals; memberships are refreshed after, and each clone county is evaluated for
Lianzhou's evaluated years so that verdicts exist. A marker table (`bench_counties_marker`)
written last records the build's version, N and the applied migrations: a database whose
marker does not match is rebuilt.

Usage: python -m tests.benchmarks.counties_build N [N …]   build (or reuse) those databases
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg

from tests.benchmarks.common import PY, ROOT, database_url

COUNTIES = (1, 5, 10)
LIANZHOU = "441882"
GAP_DEG = 0.1  # between clones: > 2 × the 0.02° county margin of the county trigger
BUILD_VERSION = 1  # bump when the clone SQL changes: databases built before are rebuilt

# (table, how its source rows are chosen): "county" = Lianzhou's features by county_id,
# a column name = the rows whose foreign key there points at a cloned row. In FK order.
CLONED: list[tuple[str, str]] = [
    ("layers_adminarea", "area"),
    ("layers_areayearstats", "area_id"),
    ("layers_supplyzone", "county"),
    ("layers_waterfunctionzone", "county"),
    ("layers_irrigationdistrict", "county"),
    ("layers_sewageplant", "county"),
    ("layers_road", "county"),
    ("layers_pipenode", "county"),
    ("layers_pipesegment", "county"),
    ("layers_wateruser", "county"),
    ("layers_irrigationrecord", "district_id"),
    ("layers_sewageplantmonth", "plant_id"),
    ("layers_waterbalance", "zone_id"),
    ("layers_waterqualitysample", "zone_id"),
    ("layers_leakrecord", "pipe_id"),
    ("layers_pipecrossing", "pipe_a_id"),
    ("layers_consumption", "user_id"),
    ("registers_appliancesurvey", "area_id"),
    ("registers_constructionproject", "area_id"),
    ("registers_policydocument", "area_id"),
    ("registers_publicityevent", "area_id"),
    ("registers_plantask", "area_id"),
    ("registers_plantasknote", "task_id"),
    ("registers_waterquota", "area_id"),
    ("registers_tariffband", "area_id"),
    ("registers_quotacheck", "user_id"),
    ("registers_withdrawalpermit", "holder_id"),
    ("registers_keyuserlisting", "user_id"),
    ("registers_resourcelevy", "holder_id"),
    ("registers_carrierrecognition", "user_id"),
    ("registers_nonconventionaluse", "user_id"),
    ("registers_districtquota", "district_id"),
    ("registers_agriculturalpricereform", "district_id"),
    ("registers_userassociation", "area_id"),
]
# Codes unique across the whole database (not per county) get the clone's suffix.
GLOBAL_CODES = {"registers_plantask": "code", "registers_waterquota": "code"}


def db_name(n: int) -> str:
    return f"lianzhou_bench_counties_{n}"


def _pg(*args: str) -> subprocess.CompletedProcess:
    url = database_url("postgres")
    return subprocess.run([*args, "-d", url], check=False, capture_output=True, text=True)


def _psql_url(n: int) -> str:
    return database_url(db_name(n)).replace("postgis://", "postgresql://")


def _manage(n: int, *args: str, env: dict | None = None) -> str:
    env = {**os.environ, "DATABASE_URL": database_url(db_name(n)), "DEBUG": "false", **(env or {})}
    out = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


def _exists(n: int) -> bool:
    url = database_url("postgres").replace("postgis://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db_name(n)]).fetchone()
        )


def _admin(sql: str) -> None:
    url = database_url("postgres").replace("postgis://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _migrations(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT count(*), max(id) FROM django_migrations").fetchone()
    return f"{row[0]}:{row[1]}"


def marker_ok(n: int) -> bool:
    """The database exists, is migrated as far as the code and its marker matches this build."""
    if not _exists(n):
        return False
    _manage(n, "migrate", "--noinput", "-v", "0")  # new migrations make the marker stale
    with psycopg.connect(_psql_url(n)) as conn:
        if not conn.execute("SELECT to_regclass('bench_counties_marker')").fetchone()[0]:
            return False
        row = conn.execute(
            "SELECT version, counties, migrations FROM bench_counties_marker"
        ).fetchone()
        return row == (BUILD_VERSION, n, _migrations(conn))


def _mark(n: int, seconds: float) -> None:
    with psycopg.connect(_psql_url(n)) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_counties_marker")
        conn.execute(
            "CREATE TABLE bench_counties_marker (version int, counties int, migrations text, "
            "build_seconds float8, built_at timestamptz DEFAULT now())"
        )
        conn.execute(
            "INSERT INTO bench_counties_marker VALUES (%s, %s, %s, %s)",
            [BUILD_VERSION, n, _migrations(conn), seconds],
        )


def _columns(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "AND a.attgenerated = '' ORDER BY a.attnum",
        [table],
    ).fetchall()


def _foreign_keys(conn: psycopg.Connection, table: str) -> dict[str, str]:
    """column -> referenced table, for single-column foreign keys."""
    rows = conn.execute(
        "SELECT a.attname, c.confrelid::regclass::text FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND array_length(c.conkey, 1) = 1",
        [table],
    ).fetchall()
    return dict(rows)


def clone_sql(conn: psycopg.Connection, table: str, source: str, k: int) -> list[str]:
    """The statements copying Lianzhou's rows of `table` into clone k (maps old -> new ids in
    the temporary table m_<table>)."""
    fks = {c: t for c, t in _foreign_keys(conn, table).items() if t in dict(CLONED)}
    code = f"4499{k:02d}"
    if source == "county":
        where = "t.county_id = (SELECT id FROM lz)"
    elif source == "area":
        where = "(t.id = (SELECT id FROM lz) OR t.parent_id = (SELECT id FROM lz))"
    else:
        where = f"t.{source} IN (SELECT old_id FROM m_{fks[source]})"  # noqa: S608 - names
    columns, values, joins = [], [], []
    for name, typ in _columns(conn, table):
        columns.append(f'"{name}"')
        if name == "id":
            values.append("m.new_id")
        elif name == "county_id" and source == "county":
            values.append("NULL")  # the trigger derives it from the geometry
        elif name in fks:
            alias = f"j_{name}"
            joins.append(f"LEFT JOIN m_{fks[name]} {alias} ON {alias}.old_id = t.{name}")
            values.append(f"COALESCE({alias}.new_id, t.{name})")
        elif typ == "geometry":
            values.append(f"ST_Translate(t.{name}, (SELECT dx FROM lz) * {k}, 0)")  # noqa: S608
        elif table == "layers_adminarea" and name == "code":
            values.append(f"'{code}' || substr(t.code, 7)")
        elif table == "layers_adminarea" and name == "name":
            values.append(f"CASE WHEN t.level = 'county' THEN '合成县{k}' ELSE t.name END")
        elif GLOBAL_CODES.get(table) == name:
            values.append(f"t.{name} || '-S{k}'")
        else:
            values.append(f"t.{name}")
    return [
        f"DROP TABLE IF EXISTS m_{table}",
        f"CREATE TEMP TABLE m_{table} ON COMMIT DROP AS SELECT t.id AS old_id, "  # noqa: S608
        f"nextval(pg_get_serial_sequence('{table}', 'id')) AS new_id FROM {table} t WHERE {where}",
        f"CREATE INDEX ON m_{table} (old_id)",
        f"ANALYZE m_{table}",
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "  # noqa: S608
        f"FROM {table} t JOIN m_{table} m ON m.old_id = t.id {' '.join(joins)}",
    ]


def clone_county(n: int, k: int) -> dict[str, int]:
    """Add clone k of Lianzhou to database n in one transaction; returns rows per table."""
    counts = {}
    with psycopg.connect(_psql_url(n)) as conn:
        conn.execute(
            "CREATE TEMP TABLE lz ON COMMIT DROP AS SELECT id, "  # noqa: S608 - a constant
            f"ST_XMax(geom) - ST_XMin(geom) + {GAP_DEG} AS dx FROM layers_adminarea "
            "WHERE level = 'county' AND code = %s",
            [LIANZHOU],
        )
        for table, source in CLONED:
            for statement in clone_sql(conn, table, source, k):
                cur = conn.execute(statement)
            counts[table] = cur.rowcount
        wrong = conn.execute(
            "SELECT count(*) FROM layers_pipesegment p JOIN layers_adminarea a "
            "ON a.id = p.county_id WHERE a.code = %s",
            [f"4499{k:02d}"],
        ).fetchone()[0]
        if wrong != counts["layers_pipesegment"]:
            raise RuntimeError(
                f"clone {k}: {wrong} of {counts['layers_pipesegment']} pipes in its county"
            )
    return counts


FINISH = """
from compliance.evaluation import county_of, evaluate
from compliance.freshness import evaluated_years
from layers.models import AdminArea
from layers.services.membership import membership_refresh
import sys, time
t = time.perf_counter(); changed = membership_refresh()
print(f'memberships refreshed: {changed} rows changed, {time.perf_counter() - t:.1f} s',
      file=sys.stderr)
lz = county_of('441882', with_geometry=False)
years = sorted(evaluated_years(lz.id))
for county in AdminArea.objects.filter(level='county', code__startswith='4499').order_by('code'):
    for year in years:
        t = time.perf_counter(); ev = evaluate(area=county, year=year)
        print(f'evaluated {county.code} {year}: {len(ev.rows)} results,'
              f' {time.perf_counter() - t:.1f} s', file=sys.stderr)
"""


def build_base() -> float:
    """lianzhou_bench_counties_1: Lianzhou's scale-1 demo alone."""
    started = time.perf_counter()
    _admin(f"DROP DATABASE IF EXISTS {db_name(1)} WITH (FORCE)")
    _admin(f"CREATE DATABASE {db_name(1)}")
    _manage(1, "migrate", "--noinput", "-v", "0")
    print("counties 1: loading Lianzhou's scale-1 demo …", file=sys.stderr)
    _manage(
        1,
        "load_demo",
        "--county",
        LIANZHOU,
        "--scale",
        "1",
        "--out",
        str(ROOT / "data" / "bench" / "counties"),
        "-v",
        "0",
    )
    seconds = time.perf_counter() - started
    _mark(1, seconds)
    return seconds


def build_clones(n: int) -> float:
    """lianzhou_bench_counties_n: a copy of the base plus n - 1 clones, evaluated."""
    started = time.perf_counter()
    _admin(f"DROP DATABASE IF EXISTS {db_name(n)} WITH (FORCE)")
    _admin(f"CREATE DATABASE {db_name(n)} TEMPLATE {db_name(1)}")
    with psycopg.connect(_psql_url(n), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_counties_marker")
    for k in range(1, n):
        t = time.perf_counter()
        counts = clone_county(n, k)
        print(
            f"counties {n}: clone {k} ({counts['layers_pipesegment']:,} pipes, "
            f"{counts['layers_consumption']:,} monthly rows) in {time.perf_counter() - t:.1f} s",
            file=sys.stderr,
        )
    env = {**os.environ, "DATABASE_URL": database_url(db_name(n)), "DEBUG": "false"}
    subprocess.run([PY, "manage.py", "shell", "-c", FINISH], cwd=ROOT, env=env, check=True)
    with psycopg.connect(_psql_url(n), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    _mark(n, seconds)
    return seconds


def ensure(counties: tuple[int, ...] = COUNTIES) -> dict[str, float]:
    """Build the databases that are absent or stale; returns build seconds (0 = reused)."""
    subprocess.run(
        [str(ROOT / "scripts" / "pg_cluster.sh"), "start"],
        check=True,
        env={**os.environ, "PGCLUSTER_DB": db_name(1)},
    )
    out = {}
    base_rebuilt = False
    if marker_ok(1):
        out["counties_1"] = 0.0
    else:
        out["counties_1"] = build_base()
        base_rebuilt = True
        print(f"counties 1: built in {out['counties_1']:.0f} s", file=sys.stderr)
    for n in counties:
        if n == 1:
            continue
        if not base_rebuilt and marker_ok(n):
            out[f"counties_{n}"] = 0.0
            continue
        out[f"counties_{n}"] = build_clones(n)
        print(f"counties {n}: built in {out[f'counties_{n}']:.0f} s", file=sys.stderr)
    return out


if __name__ == "__main__":
    print(ensure(tuple(int(a) for a in sys.argv[1:]) or COUNTIES))

"""What every benchmark shares: the scale databases, probes, summaries and app servers.

A benchmark module exposes `run() -> dict` (raw figures, JSON-serialisable) and
`section(figures) -> list[str]` (its Markdown for docs/benchmarks.md); run.py lists them.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgis://gisapp:gisapp@127.0.0.1:5433/")
# BENCH_SCALES=1 measures scale 1 only (e.g. while the scale-10 database is not built).
SCALES = tuple(int(s) for s in os.environ.get("BENCH_SCALES", "1,10").split(","))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def database_url(database: str) -> str:
    """The URL of any database of the benchmark cluster (a scale's, or a scratch copy)."""
    return f"{BASE_URL.rstrip('/')}/{database}"


def db_url(scale: int) -> str:
    return database_url(f"lianzhou_bench_s{scale}")


def run_json(module: str, url: str, *args: str) -> dict:
    """Run `python -m module args` on the database at url; its last stdout line is JSON."""
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}
    out = subprocess.run(
        [PY, "-m", module, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def manage(scale: int, *args: str, capture: bool = False, env: dict | None = None) -> str:
    env = {**os.environ, "DATABASE_URL": db_url(scale), "DEBUG": "false", **(env or {})}
    out = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )
    return out.stdout if capture else ""


# The generated demo files outgrow the upload limits from scale 100 (pipes.gpkg ~400 MB);
# they are our own files, so the loader may take them whole.
DEMO_LOAD_ENV = {
    "IMPORT_MAX_FILE_BYTES": str(8 * 1024**3),
    "IMPORT_MAX_UNZIPPED_BYTES": str(16 * 1024**3),
    "IMPORT_MAX_RECORDS_BYTES": str(4 * 1024**3),  # consumption.csv: 193 MB at scale 100
    # the closing hydraulic run over the whole network (tests/benchmarks/load_settings.py)
    "DJANGO_SETTINGS_MODULE": "tests.benchmarks.load_settings",
}


def database_state(scale: int) -> dict:
    """Whether the scale's demo is loaded (its marker row, written last in the load's one
    transaction), its raster count and its pipe and water-user counts."""
    out = manage(
        scale,
        "shell",
        "-c",
        "from demo.load import demo_is_loaded;"
        "from network.models import PipeSegment;from rasters.models import RasterLayer;"
        "from consumption.models import WaterUser;"
        "print(int(demo_is_loaded()), RasterLayer.objects.count(),"
        " PipeSegment.objects.count(), WaterUser.objects.count())",
        capture=True,
    )
    loaded, rasters, pipes, users = (int(v) for v in out.strip().splitlines()[-1].split())
    return {"loaded": bool(loaded), "rasters": rasters, "pipes": pipes, "users": users}


def ensure_database(scale: int) -> float:
    """Create, migrate and load the scale's demo once; returns the load time (0 if present).

    A database whose demo is loaded with its rasters is left as it is (scale 100 takes ~12 min
    and ~4 GB to build); one loaded before rasters existed is loaded again with --force.
    """
    name = f"lianzhou_bench_s{scale}"
    subprocess.run(
        [str(ROOT / "scripts" / "pg_cluster.sh"), "start"],
        check=True,
        env={**os.environ, "PGCLUSTER_DB": name},
    )
    manage(scale, "migrate", "--noinput", "-v", "0")
    state = database_state(scale)
    if state["loaded"] and state["rasters"]:
        return 0.0
    started = time.perf_counter()
    manage(
        scale,
        "load_demo",
        "--scale",
        str(scale),
        *(["--force"] if state["loaded"] else []),
        "--out",
        str(ROOT / "data" / "bench" / f"s{scale}"),
        "-v",
        "1",
        capture=True,
        env=DEMO_LOAD_ENV,
    )
    return time.perf_counter() - started


def probe(scale: int, operation: str, *args: str) -> dict:
    return run_json("tests.benchmarks.probe", db_url(scale), operation, *args)


def summary(samples: list[float]) -> dict:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def serve_runserver(scale: int, port: int) -> subprocess.Popen:
    # DEBUG on: WhiteNoise then serves static files from the apps (nothing collected here).
    env = {**os.environ, "DATABASE_URL": db_url(scale), "DEBUG": "true"}
    server = subprocess.Popen(
        [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"the server for scale {scale} did not start")


def machine() -> dict:
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 1024**2, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def ms(f: dict) -> str:
    return f"{f['median'] * 1000:.1f} ({f['min'] * 1000:.1f}–{f['max'] * 1000:.1f})"


def module_probe(scale: int, module: str, *args: str) -> dict:
    return run_json(module, db_url(scale), *args)


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"{url} did not come up in {seconds:.0f} s")


def gunicorn_workers() -> int:
    """gunicorn's documented starting point: (2 × cores) + 1 sync workers."""
    return 2 * (os.cpu_count() or 1) + 1


def serve_gunicorn(scale: int, port: int, workers: int | None = None) -> subprocess.Popen:
    """The app under gunicorn, as deployed (docker/), on one scale's database."""
    return serve_gunicorn_database(f"lianzhou_bench_s{scale}", port, workers)


def serve_gunicorn_database(
    database: str,
    port: int,
    workers: int | None = None,
    *,
    env: dict | None = None,
    app: str = "gisapp.wsgi",
    ready_path: str = "/accounts/login/",
) -> subprocess.Popen:
    """The app (or another WSGI `app`) under gunicorn on any database of the cluster (e.g. a
    scratch copy); `env` adds or overrides settings."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DJANGO_SETTINGS_MODULE": "gisapp.settings.dev",
        "DEBUG": "false",
        **(env or {}),
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers or gunicorn_workers()),
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_up(f"http://127.0.0.1:{port}{ready_path}", server, seconds=120)
    return server


def serve_floor(
    database: str, port: int, app: str, ready_path: str, env: dict | None = None
) -> subprocess.Popen:
    """A floor's smallest WSGI app (`app`) under the same gunicorn as ours, one worker, its
    plain connection on `database` (FLOOR_DATABASE_URL); `env` adds the floor's own settings."""
    url = database_url(database).replace("postgis://", "postgresql://", 1)
    return serve_gunicorn_database(
        database,
        port,
        workers=1,
        app=app,
        ready_path=ready_path,
        env={"FLOOR_DATABASE_URL": url, **(env or {})},
    )

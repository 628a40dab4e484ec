"""`make bench`: build the scale databases, run every benchmark interleaved, write the report.

Figures are medians of repeated runs after a warm-up, with min and max; paired comparisons
alternate between their sides so that machine drift cancels. Results go to
docs/benchmarks.json (raw) and docs/benchmarks.md (tables). Never part of `make test`.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = str(ROOT / ".venv" / "bin" / "python")
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgis://gisapp:gisapp@127.0.0.1:5433/")
SCALES = (1, 10)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def db_url(scale: int) -> str:
    return f"{BASE_URL.rstrip('/')}/lianzhou_bench_s{scale}"


def manage(scale: int, *args: str, capture: bool = False) -> str:
    env = {**os.environ, "DATABASE_URL": db_url(scale), "DEBUG": "false"}
    out = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )
    return out.stdout if capture else ""


def ensure_database(scale: int) -> float:
    """Create, migrate and load the scale's demo once; returns the load time (0 if present)."""
    name = f"lianzhou_bench_s{scale}"
    subprocess.run(
        [str(ROOT / "scripts" / "pg_cluster.sh"), "start"],
        check=True,
        env={**os.environ, "PGCLUSTER_DB": name},
    )
    manage(scale, "migrate", "--noinput", "-v", "0")
    started = time.perf_counter()
    out = manage(
        scale,
        "load_demo",
        "--scale",
        str(scale),
        "--out",
        str(ROOT / "data" / "bench" / f"s{scale}"),
        "-v",
        "1",
        capture=True,
    )
    return 0.0 if "already loaded" in out else time.perf_counter() - started


def probe(scale: int, operation: str, *args: str) -> dict:
    env = {**os.environ, "DATABASE_URL": db_url(scale), "DEBUG": "false"}
    out = subprocess.run(
        [PY, "-m", "tests.benchmarks.probe", operation, *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(samples: list[float]) -> dict:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def bench_evaluation() -> dict:
    """Whole-county evaluation at each scale, interleaved round by round."""
    samples: dict[int, list[float]] = {s: [] for s in SCALES}
    results: dict[int, int] = {}
    for _ in range(ROUNDS):
        for scale in SCALES:
            out = probe(scale, "evaluate", "--repeat", "1")
            samples[scale] += out["seconds"]
            results[scale] = out["results"]
    figures = {f"scale_{s}": {**summary(samples[s]), "results": results[s]} for s in SCALES}
    figures["ratio_10_to_1"] = figures["scale_10"]["median"] / figures["scale_1"]["median"]
    return figures


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


def write_report(data: dict) -> None:
    (ROOT / "docs" / "benchmarks.json").write_text(json.dumps(data, indent=2) + "\n")
    ev = data["evaluation"]
    m = data["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Run on {data['date']} with `make bench` ({m['cores']} cores, {m['memory_gib']} GiB, "
        f"{m['cpu']}; Python {m['python']}). Medians of {ROUNDS} runs after a warm-up, min–max "
        "in brackets; the sides of each comparison were run alternately. Raw figures: "
        "`docs/benchmarks.json`.",
        "",
        "## Data",
        "",
        "| scale | pipes | water users | demo load (s) |",
        "|---|---|---|---|",
    ]
    for s in SCALES:
        d = data["databases"][f"scale_{s}"]
        lines.append(f"| {s} | {d['pipes']:,} | {d['users']:,} | {d['load_seconds']:.1f} |")
    lines += [
        "",
        "## Compliance evaluation (whole county, one year, results stored)",
        "",
        "| scale | results | median (s) | min–max (s) |",
        "|---|---|---|---|",
    ]
    for s in SCALES:
        f = ev[f"scale_{s}"]
        lines.append(
            f"| {s} | {f['results']:,} | {f['median']:.2f} | {f['min']:.2f}–{f['max']:.2f} |"
        )
    lines += [
        "",
        f"Scale 10 ÷ scale 1: **{ev['ratio_10_to_1']:.1f}×** for 10× the data "
        "(linear growth would be 10×).",
        "",
        "## Reproduce",
        "",
        "```sh",
        "make bench            # BENCH_ROUNDS=5 by default",
        "```",
        "",
    ]
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(lines))


def counts(scale: int) -> dict:
    out = manage(
        scale,
        "shell",
        "-c",
        "from layers.models import PipeSegment, WaterUser;"
        "print(PipeSegment.objects.count(), WaterUser.objects.count())",
        capture=True,
    )
    pipes, users = out.strip().splitlines()[-1].split()
    return {"pipes": int(pipes), "users": int(users)}


def main() -> None:
    databases = {}
    for scale in SCALES:
        load = ensure_database(scale)
        databases[f"scale_{scale}"] = {"load_seconds": load, **counts(scale)}
        print(f"scale {scale}: ready ({databases[f'scale_{scale}']})", file=sys.stderr)
    data = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "rounds": ROUNDS,
        "databases": databases,
    }
    print("evaluation ...", file=sys.stderr)
    data["evaluation"] = bench_evaluation()
    write_report(data)
    print((ROOT / "docs" / "benchmarks.md").read_text())


if __name__ == "__main__":
    main()

"""The load run: 50 officials, 5 engineers and 5 planners at once against gunicorn on loopback.

A fresh copy of the scale-1 database (dropped afterwards), the app under gunicorn with
(2 × cores) + 1 workers, 60 virtual users (tests/benchmarks/load_client.py) for LOAD_SECONDS
(default 180), then every acknowledged edit checked in the database and the network check
compared with the one before (tests/benchmarks/load_check.py).

    .venv/bin/python -m tests.benchmarks.load        # prints the figures as JSON
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.benchmarks.common import (
    database_url,
    gunicorn_workers,
    machine,
    run_json,
    serve_gunicorn_database,
)
from tests.benchmarks.load_client import ROLES, Session, Shared

DATABASE = "lianzhou_load"
TEMPLATE = "lianzhou_bench_s1"
PORT = 8190
USERS = {"official": 50, "engineer": 5, "planner": 5}
# The demo accounts (demo/load.py): the virtual users of a role share one account, each
# with its own session.
ACCOUNTS = {
    "official": ("official", "Official#Lianzhou2026"),
    "engineer": ("engineer", "Engineer#Lianzhou2026"),
    "planner": ("planner", "Planner#Lianzhou2026"),
}
RAMP_S = 6.0  # users start spread over the first seconds (locust: -u 60 -r 10)


def _psql(sql: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PGPASSWORD": "gisapp"}
    url = database_url("postgres").replace("postgis://", "postgresql://")
    return subprocess.run(  # noqa: S603
        ["psql", url, "-qAtc", sql],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
    )


def database_create() -> None:
    """The scratch copy; the template must have no connections, so retry for a while."""
    _psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    for _ in range(60):
        done = _psql(f"CREATE DATABASE {DATABASE} TEMPLATE {TEMPLATE}")
        if done.returncode == 0:
            return
        time.sleep(2)
    raise RuntimeError(f"could not copy {TEMPLATE}: {done.stderr.strip()}")


def database_drop() -> None:
    _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def check(*args: str) -> dict:
    return run_json("tests.benchmarks.load_check", database_url(DATABASE), *args)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (gunicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def _percentiles(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    if len(ms) == 1:
        return {"p50": ms[0], "p95": ms[0], "p99": ms[0]}
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98]}


def figures_of(shared: Shared, wall: float) -> dict:
    """Per role and request kind: count, errors (non-2xx/3xx but 409), 409s, p50/p95/p99."""
    groups: dict[tuple[str, str], list] = {}
    for sample in shared.samples:
        groups.setdefault((sample.role, sample.kind), []).append(sample)
    roles: dict[str, dict] = {}
    for (role, kind), samples in sorted(groups.items()):
        statuses = [s.status for s in samples]
        roles.setdefault(role, {})[kind] = {
            "count": len(samples),
            "errors": sum(1 for c in statuses if not 200 <= c < 400 and c != 409),
            "conflicts": statuses.count(409),
            **_percentiles([s.seconds for s in samples]),
        }
    total = len(shared.samples)
    return {
        "roles": roles,
        "requests": total,
        "requests_per_s": total / wall,
        "errors": sum(k["errors"] for r in roles.values() for k in r.values()),
        "conflicts": sum(k["conflicts"] for r in roles.values() for k in r.values()),
        "error_statuses": sorted({s.status for s in shared.samples if not 200 <= s.status < 400}),
    }


def drive(plan: dict, seconds: float) -> tuple[Shared, float]:
    """Start every virtual user, spread over RAMP_S; each stops itself at the deadline."""
    started = time.monotonic()
    shared = Shared(plan=plan, deadline=started + seconds)
    threads = []
    users = [role for role, n in USERS.items() for _ in range(n)]
    for i, role in enumerate(users):
        session = Session(PORT, role, shared)
        thread = threading.Thread(target=ROLES[role], args=(session, ACCOUNTS[role]), daemon=True)
        threads.append(thread)
        time.sleep(RAMP_S / len(users) if i else 0)
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, shared.deadline - time.monotonic()) + 180)
    if any(t.is_alive() for t in threads):
        raise RuntimeError("virtual users still running three minutes after the deadline")
    return shared, time.monotonic() - started


def run() -> dict:
    seconds = float(os.environ.get("LOAD_SECONDS", "180"))
    workers = gunicorn_workers()
    database_create()
    try:
        plan = check("prepare")
        baseline = {"problems": plan.pop("problems"), "max_ids": plan["max_ids"]}
        server = serve_gunicorn_database(DATABASE, PORT, workers)
        try:
            server_cpu0, client_cpu0 = _cpu_seconds(server.pid), time.process_time()
            busy0, all0 = _machine_busy()
            load0 = os.getloadavg()[0]
            shared, wall = drive(plan, seconds)
            server_cpu = _cpu_seconds(server.pid) - server_cpu0
            client_cpu = time.process_time() - client_cpu0
            busy1, all1 = _machine_busy()
        finally:
            server.terminate()
            server.wait(timeout=30)
        with tempfile.TemporaryDirectory() as tmp:
            acks, base = Path(tmp) / "acks.json", Path(tmp) / "baseline.json"
            acks.write_text(json.dumps(shared.acks))
            base.write_text(json.dumps(baseline))
            verified = check("verify", str(acks), str(base))
    finally:
        database_drop()
    ops: dict[str, int] = {}
    for ack in shared.acks:
        ops[ack["op"]] = ops.get(ack["op"], 0) + 1
    cores = os.cpu_count() or 1
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "seconds": wall,
        "planned_seconds": seconds,
        "workers": workers,
        "users": USERS,
        **figures_of(shared, wall),
        "edits": {"acknowledged": len(shared.acks), "by_operation": ops, **verified},
        "replays": shared.replays,
        "lost_edits": verified["lost_edits"],
        "cpu": {
            "client_share": client_cpu / (wall * cores),
            "gunicorn_share": server_cpu / (wall * cores),
            "machine_busy_share": (busy1 - busy0) / max(1, all1 - all0),
            "load_average_before": load0,
        },
    }


def _row(role: str, kind: str, f: dict) -> str:
    return (
        f"| {role} | {kind} | {f['count']:,} | {f['errors']} | {f['conflicts']} | "
        f"{f['p50']:.0f} | {f['p95']:.0f} | {f['p99']:.0f} |"
    )


def section(figures: dict) -> list[str]:
    """The load run's Markdown: the table per role and request kind, edits, CPU."""
    f, e, cpu = figures, figures["edits"], figures["cpu"]
    users = ", ".join(f"{n} {role}s" for role, n in f["users"].items())
    lines = [
        "## Load run: officials, engineers and planners at once (gunicorn, loopback)",
        "",
        f"{users} for {f['seconds']:.0f} s against gunicorn ({f['workers']} sync workers) on "
        "a fresh copy of the scale-1 database; ~1 s think time per user; each role's users "
        "share its demo account with a session each. Officials pan the map (pipe, node and "
        "user tiles at z12–16), open popups and the scorecard; engineers draw a pipe on an "
        "empty site, move it and split it, and move one of the latest pieces whoever drew "
        "it (stale versions meet 409 conflicts, then the current version is used again); "
        "planners query consumption by zone, by drawn area and run scenarios. Times in ms.",
        "",
        "| role | request | count | errors | 409 | p50 | p95 | p99 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for role, kinds in f["roles"].items():
        lines += [_row(role, kind, k) for kind, k in kinds.items()]
    ops = ", ".join(f"{n} {op}" for op, n in e["by_operation"].items()) or "none"
    lines += [
        "",
        f"**{f['requests']:,} requests, {f['requests_per_s']:.1f} per second; errors: "
        f"{f['errors']}; 409 conflicts (acknowledged refusals): {f['conflicts']}.**",
        "",
        f"Acknowledged edits: {e['acknowledged']} ({ops}); {f['replays']['sent']} creates "
        f"replayed with the same Idempotency-Key, {f['replays']['mismatched']} answered "
        "differently.",
        f"Checked afterwards in the database: {e['pipes_checked']} pipes at their last "
        f"acknowledged version and geometry (or changed since by a recorded edit), "
        f"{e['changes_acknowledged']} acknowledged changes in the history, "
        f"{e['unacknowledged_changes']} changes nobody was told about. "
        f"**lost edits: {f['lost_edits']}.**",
        f"Network check: {e['topology_broken']} new problems on pre-existing pipes or nodes "
        f"(topology broken by the load); on the pipes the load drew: "
        + (
            ", ".join(f"{n} {p.replace('_', ' ')}" for p, n in e["problems_on_load_pipes"].items())
            or "none"
        )
        + " (stand-alone pipes on empty sites, as drawn).",
        "",
        f"CPU over the run ({f['machine']['cores']} cores): gunicorn "
        f"{cpu['gunicorn_share']:.0%}, the load client {cpu['client_share']:.1%}, the whole "
        f"machine busy {cpu['machine_busy_share']:.0%} (PostgreSQL and colleagues' work "
        f"included; load average {cpu['load_average_before']:.1f} at the start).",
        "",
    ]
    return lines


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

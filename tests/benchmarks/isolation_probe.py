"""Burst isolation on the demo network, the probe: how long an answer takes (network/analysis).

Usage: DATABASE_URL=... python -m tests.benchmarks.isolation_probe [--repeat N]
Times, on the loaded demo: the isolation of the pipe in the largest valve-bounded segment (the
worst case: the most pipes isolated and valves to close), of 20 pipes drawn at random (seed 1),
the whole GET /api/v1/network/pipes/<id>/isolation/?geometry=true as the editor sends it (as an
official, through Django's test client: query, graph, users, JSON), a downstream trace and the
connected parts; and the valves to close per burst over 200 random pipes (median, p90, max).
Prints one JSON line of timings in seconds with the network's size.
`make bench` runs it per scale (tests/benchmarks/isolation.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from network.analysis import selectors  # noqa: E402


def _timed(run, repeat: int) -> list[float]:
    run()  # warm-up
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        out.append(time.perf_counter() - started)
    return out


def measure(repeat: int) -> dict:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    graph = selectors.network_data().graph
    seen, worst, worst_size = set(), None, -1
    for pipe in sorted(graph.ends):
        if pipe in seen:
            continue
        _valves, _feeds, isolated = graph.segment(pipe)
        seen |= isolated
        if len(isolated) > worst_size:
            worst, worst_size = pipe, len(isolated)
    sample = random.Random(1).sample(sorted(graph.ends), min(20, len(graph.ends)))
    # Valves to close per burst over 200 random pipes (the segment walk only: what a crew
    # shuts), the figure that says whether valves are placed as a utility places them.
    spread = random.Random(2).sample(sorted(graph.ends), min(200, len(graph.ends)))
    valves = sorted(len(graph.segment(p)[0]) for p in spread)
    answer = selectors.pipe_isolation(worst, user_details=True, geometry=False)
    client = Client()
    client.force_login(get_user_model().objects.get(username="official"))
    url = f"/api/v1/network/pipes/{worst}/isolation/?geometry=true"
    body_bytes = len(client.get(url).content)
    return {
        "pipes": len(graph.ends),
        "valves_per_isolation": {
            "pipes": len(valves),
            "median": statistics.median(valves),
            "p90": valves[int(0.9 * (len(valves) - 1))],
            "max": valves[-1],
        },
        "worst": {
            "valves": len(answer["valves"]),
            "isolated": answer["isolated"]["count"],
            "without_supply": answer["without_supply"]["count"],
            "users": answer["users"]["count"],
            "seconds": _timed(
                lambda: selectors.pipe_isolation(worst, user_details=True, geometry=False),
                repeat,
            ),
        },
        "sample": [
            s
            for p in sample
            for s in _timed(
                lambda p=p: selectors.pipe_isolation(p, user_details=True, geometry=False), 1
            )
        ],
        "request": {
            "bytes": body_bytes,
            "seconds": _timed(lambda: client.get(url), repeat),
        },
        "downstream": _timed(
            lambda: selectors.pipe_trace(worst, "downstream", user_details=True, geometry=False),
            repeat,
        ),
        "components": _timed(lambda: selectors.network_components(isolated_only=False), repeat),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    print(json.dumps(measure(parser.parse_args().repeat)))

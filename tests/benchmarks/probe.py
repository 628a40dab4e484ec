"""One measured operation against one database, in its own process; prints JSON timings.

Usage: DATABASE_URL=... python -m tests.benchmarks.probe <operation> [--repeat N] [...]
Each run does a warm-up first, then N timed repetitions; the runner interleaves probes of
different databases so that machine drift affects both sides alike.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisapp.settings.dev")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from compliance.evaluation import county_of, evaluate  # noqa: E402


def op_evaluate(args) -> dict:
    """Evaluate the whole county for one year (read inputs, every rule, store results)."""
    area = county_of(None)
    evaluate(area=area, year=args.year)  # warm-up
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = evaluate(area=area, year=args.year)
        times.append(time.perf_counter() - started)
    return {"seconds": times, "results": len(result.rows)}


OPERATIONS = {"evaluate": op_evaluate}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("operation", choices=list(OPERATIONS))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args(argv)
    print(json.dumps(OPERATIONS[args.operation](args)))


if __name__ == "__main__":
    main(sys.argv[1:])

"""`make bench`: build the scale databases, run every benchmark interleaved, write the report.

Figures are medians of repeated runs after a warm-up, with min and max; paired comparisons
alternate between their sides so that machine drift cancels. Results go to
docs/benchmarks.json (raw) and docs/benchmarks.md (tables). Never part of `make test`.

Usage: python -m tests.benchmarks.run                      every benchmark, a new report
       python -m tests.benchmarks.run --only NAME [NAME…]  re-run some into the existing JSON
       python -m tests.benchmarks.run --report-only        rewrite the Markdown from the JSON
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable

from tests.benchmarks.common import ROUNDS, SCALES, database_state, ensure_database, machine
from tests.benchmarks.report import JSON_PATH, MD_PATH, write_report

CONSUMPTION_SCALE = 100  # scale 100 serves the consumption benchmark only

# name -> (run, section) as "module:function"; modules are imported only when needed.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "evaluation": ("tests.benchmarks.scaled:bench_evaluation", "report:evaluation_section"),
    "tiles": ("tests.benchmarks.scaled:bench_tiles", "report:tiles_section"),
    "tiles_http": ("tests.benchmarks.tiles_http:run", "tests.benchmarks.tiles_http:section"),
    "features": ("tests.benchmarks.features:run", "tests.benchmarks.features:section"),
    "pipe_save": ("tests.benchmarks.scaled:bench_pipe_save", "report:pipe_save_section"),
    "map_page": ("tests.benchmarks.map_page:bench_map_page", "report:map_page_section"),
    "consumption": ("tests.benchmarks.consumption:run", "tests.benchmarks.consumption:section"),
    "rasters": ("tests.benchmarks.scaled:bench_rasters", "report:rasters_section"),
    "isolation": ("tests.benchmarks.isolation:run", "tests.benchmarks.isolation:section"),
    "hydraulics": ("tests.benchmarks.hydraulics:run", "tests.benchmarks.hydraulics:section"),
    "imports": ("tests.benchmarks.imports:run", "tests.benchmarks.imports:section"),
    "peers": ("tests.benchmarks.peers:run", "tests.benchmarks.peers:section"),
    "throughput": ("tests.benchmarks.throughput:run", "tests.benchmarks.throughput:section"),
    "load": ("tests.benchmarks.load:run", "tests.benchmarks.load:section"),
    "counties": ("tests.benchmarks.counties:run", "tests.benchmarks.counties:section"),
}
# Colleagues' modules, skipped with a notice while they are not in the tree. Once a module
# exists, anything it raises (an import error inside it included) fails the run.
OPTIONAL = {"peers", "throughput", "load"}
# Benchmarks that build their own databases: `--only` with these alone skips the scale ones.
OWN_DATABASES = {"counties"}


def resolve(name: str, which: int) -> Callable | None:
    """The run (which=0) or section (which=1) function of a benchmark; None when an optional
    benchmark's module is not there yet."""
    module, function = BENCHMARKS[name][which].split(":")
    if module == "report":
        module = "tests.benchmarks.report"
    try:
        return getattr(importlib.import_module(module), function)
    except ModuleNotFoundError as exc:
        if name in OPTIONAL and exc.name == module:
            print(f"{name}: skipped, {module} is not in the tree yet", file=sys.stderr)
            return None
        raise


def sections(data: dict) -> dict[str, Callable]:
    """Section renderers for the benchmarks that have figures in data."""
    found = {name: resolve(name, 1) for name in BENCHMARKS if name in data}
    return {name: section for name, section in found.items() if section is not None}


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def databases(names: list[str]) -> dict:
    """Build (once) and describe the scale databases the benchmarks `names` read."""
    out = {}
    for scale in (*SCALES, *([CONSUMPTION_SCALE] if "consumption" in names else [])):
        load = ensure_database(scale)
        state = database_state(scale)
        out[f"scale_{scale}"] = {
            "load_seconds": load,
            "pipes": state["pipes"],
            "users": state["users"],
        }
        print(f"scale {scale}: ready ({out[f'scale_{scale}']})", file=sys.stderr)
    return out


def run_benchmarks(data: dict, names: list[str]) -> None:
    for name in names:
        bench = resolve(name, 0)
        if bench is None:
            continue
        print(f"{name} ...", file=sys.stderr)
        data[name] = bench()


def main() -> None:
    data = {
        "date": _now(),
        "machine": machine(),
        "rounds": ROUNDS,
        "databases": databases(list(BENCHMARKS)),
    }
    run_benchmarks(data, list(BENCHMARKS))
    write_report(data, sections(data))
    print(MD_PATH.read_text())


def rerun(names: list[str]) -> None:
    """Re-run some benchmarks (e.g. `--only map_page tiles`) into the existing JSON."""
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    data = json.loads(JSON_PATH.read_text())
    if not set(names) <= OWN_DATABASES:
        data["databases"] = databases(names)
    run_benchmarks(data, names)
    data.update(date=_now(), machine=machine(), rounds=ROUNDS)
    write_report(data, sections(data))


def report_only() -> None:
    """Rewrite docs/benchmarks.md from docs/benchmarks.json (after editing the report only)."""
    data = json.loads(JSON_PATH.read_text())
    write_report(data, sections(data))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--report-only"]:
        report_only()
    elif sys.argv[1:2] == ["--only"]:
        rerun(sys.argv[2:])
    else:
        main()

#!/usr/bin/env bash
# Run the whole suite; pytest's exit code 5 (no tests collected) is a failure, never a pass.
#
# The tests run in parallel workers (pytest-xdist), one per core up to 4; TEST_WORKERS=N sets
# the number, TEST_WORKERS=0 runs them in this one process. Each worker has its own test
# database (test_lianzhou_gw0, _gw1, ...), migrated and loaded with the demo once. Tests marked
# with the same xdist_group run on one worker (the read-replica tests: one standby for the
# cluster), and each worker runs its tests in collection order, so pytest-django's transactional
# tests still come after the others on every worker.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
cores=$(nproc 2>/dev/null || echo 1)
workers=${TEST_WORKERS:-$((cores < 4 ? cores : 4))}
parallel=()
if [ "$workers" -gt 1 ]; then
  parallel=(-n "$workers" --dist loadgroup)
fi
.venv/bin/python -m pytest ${parallel[@]+"${parallel[@]}"} "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "ERROR: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"

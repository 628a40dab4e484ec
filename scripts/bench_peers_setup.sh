#!/usr/bin/env bash
# The peer side of the benchmarks: tipg under uvicorn in its own venv (.venv-peers), and wrk.
# Idempotent: does nothing when the venv matches requirements-peers.txt and wrk is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v wrk >/dev/null; then
  echo "Installing wrk"
  as_root apt-get install -y -q wrk || { as_root apt-get update -q && as_root apt-get install -y -q wrk; }
fi

VENV=.venv-peers
STAMP=$VENV/.installed
if [ ! -f "$STAMP" ] || [ requirements-peers.txt -nt "$STAMP" ]; then
  test -x $VENV/bin/python || python3 -m venv $VENV
  $VENV/bin/pip install -q --upgrade pip
  $VENV/bin/pip install -q -r requirements-peers.txt
  # The peer must start: fail here, not in the middle of a benchmark.
  $VENV/bin/python -c "import tipg.main, uvicorn" >/dev/null
  touch "$STAMP"
fi

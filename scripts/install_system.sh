#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the project needs, only those missing. Idempotent and fast
# when everything is there (one dpkg query). Runs apt as root, or through sudo.
set -euo pipefail

pg_version() {
  if ls /usr/lib/postgresql/ >/dev/null 2>&1 && [ -n "$(ls /usr/lib/postgresql/ 2>/dev/null)" ]; then
    ls /usr/lib/postgresql/ | sort -V | tail -n 1
  else
    apt-cache show postgresql 2>/dev/null | sed -n 's/^Depends: postgresql-\([0-9]*\).*/\1/p' | head -n 1
  fi
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need_update=1
PG=$(pg_version || true)
if [ -z "$PG" ]; then
  as_root apt-get update -q; need_update=0
  PG=$(pg_version)
fi

wanted=(postgresql-"$PG" postgresql-"$PG"-postgis-3 postgresql-client-"$PG" gdal-bin libgdal-dev
        pgbouncer gettext chromium fonts-noto-cjk python3-venv python3-dev build-essential nodejs npm
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 nginx-light
        postgresql-"$PG"-pgrouting)
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The machine's own Node.js (e.g. from nodesource) satisfies the front-end build.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
# python3-venv/python3-dev are only needed when python3 cannot make a venv by itself.
if python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=($(printf '%s\n' "${missing[@]}" | grep -vE '^python3-(venv|dev)$' || true))
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  [ "$need_update" = 1 ] && as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

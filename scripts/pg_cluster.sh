#!/usr/bin/env bash
# The project's own PostGIS cluster on 127.0.0.1:5433, run as the `postgres` user.
# Data lives in $PGCLUSTER_DIR (default /var/lib/postgresql/lianzhou-gis), where `postgres` can
# write even when it cannot enter the checkout. Usage: pg_cluster.sh start|stop|status
set -euo pipefail

PORT=${PGCLUSTER_PORT:-5433}
DIR=${PGCLUSTER_DIR:-/var/lib/postgresql/lianzhou-gis}
DATA="$DIR/data"
LOG="$DIR/server.log"
PG=$(ls /usr/lib/postgresql/ | sort -V | tail -n 1)
BIN=/usr/lib/postgresql/$PG/bin
DB_NAME=${PGCLUSTER_DB:-lianzhou}
DB_USER=gisapp
DB_PASSWORD=gisapp  # local development cluster only, listening on loopback

as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@";
  elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@";
  else sudo -u postgres "$@"; fi
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
psql_pg() { as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

start() {
  if [ ! -s "$DATA/PG_VERSION" ]; then
    echo "Creating the PostGIS cluster in $DATA (port $PORT)"
    as_root mkdir -p "$DIR"
    as_root chown postgres:postgres "$DIR"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_pg tee -a "$DATA/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
synchronous_commit = off
max_connections = 200
CONF
    # Loopback only: the superuser over trust, the app's role with a password.
    as_pg tee "$DATA/pg_hba.conf" >/dev/null <<HBA
local all postgres trust
host  all postgres 127.0.0.1/32 trust
host  all all      127.0.0.1/32 scram-sha-256
HBA
  fi
  if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
  fi
  # The app role creates test databases and the postgis extension in them.
  if [ "$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" != 1 ]; then
    psql_pg -c "CREATE ROLE $DB_USER LOGIN SUPERUSER PASSWORD '$DB_PASSWORD'"
  fi
  if [ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" != 1 ]; then
    psql_pg -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
  fi
  psql_pg -d "$DB_NAME" -c "CREATE EXTENSION IF NOT EXISTS postgis"
}

case "${1:-start}" in
  start) start ;;
  stop) as_pg "$BIN/pg_ctl" -D "$DATA" -m fast stop || true ;;
  status) as_pg "$BIN/pg_ctl" -D "$DATA" status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

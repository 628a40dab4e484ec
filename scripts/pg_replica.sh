#!/usr/bin/env bash
# A streaming read replica of the project's cluster (scripts/pg_cluster.sh, port 5433) on
# 127.0.0.1:5434, and pgbouncer in transaction pooling mode on 127.0.0.1:6432 in front of both.
# Run as the `postgres` user, like the primary. Idempotent: `start` creates only what is missing,
# and takes a new base backup when the replica no longer belongs to the primary (a primary
# created again has another system identifier). See docs/scaling.md.
#
# Usage: pg_replica.sh start|stop|status
#   pgbouncer databases: <db> -> the primary, <db>_replica -> the replica, for every name in
#   PGBOUNCER_DBS (default: lianzhou); any other name -> the primary.
set -euo pipefail

SCRIPTS=$(cd "$(dirname "$0")" && pwd)
PRIMARY_PORT=${PGCLUSTER_PORT:-5433}
PRIMARY_DIR=${PGCLUSTER_DIR:-/var/lib/postgresql/lianzhou-gis}
PORT=${PGREPLICA_PORT:-5434}
DIR=${PGREPLICA_DIR:-/var/lib/postgresql/lianzhou-gis-replica}
DATA="$DIR/data"
LOG="$DIR/server.log"
BOUNCER_PORT=${PGBOUNCER_PORT:-6432}
BOUNCER_DIR="$DIR/pgbouncer"
BOUNCER_DBS=${PGBOUNCER_DBS:-lianzhou}
SLOT=lianzhou_replica
REPL_USER=replicator
APP_USER=gisapp
APP_PASSWORD=gisapp  # local development cluster only, listening on loopback
PG=$(ls /usr/lib/postgresql/ | sort -V | tail -n 1)
BIN=/usr/lib/postgresql/$PG/bin

as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@";
  elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@";
  else sudo -u postgres "$@"; fi
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
primary_sql() {
  as_pg "$BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}
system_id() { as_pg "$BIN/pg_controldata" "$1" | sed -n 's/^Database system identifier: *//p'; }
replica_running() { as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

prepare_primary() {
  "$SCRIPTS/pg_cluster.sh" start
  # A replication role and a loopback-only replication entry (trust, as for `postgres` on this
  # development cluster; a deployment uses a password: docker/compose.yaml).
  if [ "$(primary_sql -c "SELECT 1 FROM pg_roles WHERE rolname='$REPL_USER'")" != 1 ]; then
    primary_sql -c "CREATE ROLE $REPL_USER WITH REPLICATION LOGIN"
  fi
  local hba="$PRIMARY_DIR/data/pg_hba.conf"
  if ! as_pg grep -q "^host  *replication  *$REPL_USER " "$hba"; then
    as_pg sed -i "1i host  replication $REPL_USER 127.0.0.1/32 trust" "$hba"
    primary_sql -c "SELECT pg_reload_conf()" >/dev/null
  fi
  # The slot keeps the WAL the replica has not received yet (bounded: max_slot_wal_keep_size).
  if [ "$(primary_sql -c "SELECT 1 FROM pg_replication_slots WHERE slot_name='$SLOT'")" != 1 ]; then
    primary_sql -c "SELECT pg_create_physical_replication_slot('$SLOT')" >/dev/null
  fi
  if [ "$(primary_sql -c "SHOW max_slot_wal_keep_size")" = "-1" ]; then
    primary_sql -c "ALTER SYSTEM SET max_slot_wal_keep_size = '2GB'" -c "SELECT pg_reload_conf()" >/dev/null
  fi
}

base_backup() {
  echo "Taking a base backup of 127.0.0.1:$PRIMARY_PORT into $DATA"
  as_root mkdir -p "$DIR"
  as_root chown postgres:postgres "$DIR"
  as_pg rm -rf "$DATA"
  # -R: standby.signal and primary_conninfo; -S: stream through the slot; -X stream: the WAL
  # written during the copy comes along, so the copy is consistent.
  as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U "$REPL_USER" -D "$DATA" \
    -R -S "$SLOT" -X stream -c fast
  # The copied postgresql.conf is the primary's; later lines win.
  as_pg tee -a "$DATA/postgresql.conf" >/dev/null <<CONF
# --- read replica (scripts/pg_replica.sh) ---
port = $PORT
unix_socket_directories = '$DIR'
# The walreceiver's application_name on the primary (pg_stat_replication).
cluster_name = '$SLOT'
shared_buffers = 128MB
hot_standby = on
# Queries on the replica are not cancelled by the primary's vacuum (at the price of some bloat).
hot_standby_feedback = on
max_standby_streaming_delay = 30s
CONF
}

start_bouncer() {
  as_pg mkdir -p "$BOUNCER_DIR"
  # Each pool sets its statement_timeout (and JIT off) when it opens a server connection: in
  # transaction pooling the app's per-request SET cannot be used (docs/scaling.md).
  local dbs="" db
  local write_q="connect_query='SELECT set_config(''statement_timeout'', ''30s'', false), set_config(''jit'', ''off'', false), set_config(''max_parallel_workers_per_gather'', ''0'', false)'"
  local read_q="connect_query='SELECT set_config(''statement_timeout'', ''10s'', false), set_config(''jit'', ''off'', false), set_config(''max_parallel_workers_per_gather'', ''0'', false)'"
  for db in ${BOUNCER_DBS//,/ }; do
    dbs+="$db = host=127.0.0.1 port=$PRIMARY_PORT dbname=$db $write_q"$'\n'
    dbs+="${db}_replica = host=127.0.0.1 port=$PORT dbname=$db $read_q"$'\n'
  done
  as_pg tee "$BOUNCER_DIR/userlist.txt" >/dev/null <<USERS
"$APP_USER" "$APP_PASSWORD"
USERS
  as_pg chmod 600 "$BOUNCER_DIR/userlist.txt"
  as_pg tee "$BOUNCER_DIR/pgbouncer.ini" >/dev/null <<INI
[databases]
${dbs}* = host=127.0.0.1 port=$PRIMARY_PORT $write_q

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $BOUNCER_DIR/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
; Django (pooled) sends no options; psql-like clients may send these two.
ignore_startup_parameters = extra_float_digits,options
server_reset_query =
; The admin console (dbname pgbouncer): the tests close the pool of a test database with
; KILL/RESUME, so that it can be dropped.
admin_users = $APP_USER
logfile = $BOUNCER_DIR/pgbouncer.log
pidfile = $BOUNCER_DIR/pgbouncer.pid
INI
  if bouncer_running; then
    as_pg kill -HUP "$(cat "$BOUNCER_DIR/pgbouncer.pid")"  # re-read the configuration
  else
    as_pg rm -f "$BOUNCER_DIR/pgbouncer.pid"
    as_pg pgbouncer -d -q "$BOUNCER_DIR/pgbouncer.ini"
  fi
}

bouncer_running() {
  [ -s "$BOUNCER_DIR/pgbouncer.pid" ] && as_pg kill -0 "$(cat "$BOUNCER_DIR/pgbouncer.pid")" 2>/dev/null
}

wait_streaming() {
  local i
  for i in $(seq 1 120); do
    if [ "$(primary_sql -c "SELECT 1 FROM pg_stat_replication WHERE application_name = '$SLOT' AND state = 'streaming'")" = 1 ]; then
      return 0
    fi
    sleep 0.5
  done
  echo "the replica on port $PORT is not streaming from the primary (see $LOG)" >&2
  return 1
}

start() {
  prepare_primary
  if [ -s "$DATA/PG_VERSION" ] && [ "$(system_id "$DATA")" != "$(system_id "$PRIMARY_DIR/data")" ]; then
    echo "The replica belongs to another primary: taking a new base backup"
    replica_running && as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null
    as_pg rm -rf "$DATA"
  fi
  # A replica left stopped past max_slot_wal_keep_size lost WAL it needs: start it afresh.
  if [ "$(primary_sql -c "SELECT wal_status FROM pg_replication_slots WHERE slot_name='$SLOT'")" = lost ]; then
    echo "The replica's slot lost WAL it needed: taking a new base backup"
    replica_running && as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null
    as_pg rm -rf "$DATA"
    primary_sql -c "SELECT pg_drop_replication_slot('$SLOT')" -c "SELECT pg_create_physical_replication_slot('$SLOT')" >/dev/null
  fi
  [ -s "$DATA/PG_VERSION" ] || base_backup
  if ! replica_running; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 120 start >/dev/null
  fi
  wait_streaming
  if command -v pgbouncer >/dev/null; then
    # The replica does not depend on the pooler: a port already taken (e.g. Debian's own
    # pgbouncer service on 6432) is reported, not fatal.
    start_bouncer || echo "pgbouncer did not start on $BOUNCER_PORT (see $BOUNCER_DIR/pgbouncer.log)" >&2
  else
    echo "pgbouncer is not installed (scripts/install_system.sh): no pooler on $BOUNCER_PORT" >&2
  fi
}

stop() {
  if bouncer_running; then as_pg kill "$(cat "$BOUNCER_DIR/pgbouncer.pid")"; fi
  if [ -s "$DATA/PG_VERSION" ]; then as_pg "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null || true; fi
}

status() {
  as_pg "$BIN/pg_ctl" -D "$DATA" status || true
  if bouncer_running; then echo "pgbouncer: running on 127.0.0.1:$BOUNCER_PORT"; else echo "pgbouncer: stopped"; fi
  primary_sql -c "SELECT application_name, state, replay_lsn, replay_lag FROM pg_stat_replication"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

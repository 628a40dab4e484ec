#!/bin/sh
# The read replica: on an empty volume, a base backup of the primary (`db`) streamed through its
# slot (-R writes standby.signal and primary_conninfo), then a hot standby. Runs as `postgres`.
set -eu
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
PRIMARY_HOST=${PRIMARY_HOST:-db}
export PGPASSWORD="$REPLICATION_PASSWORD"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -U replicator -d postgres -q; do
    echo "replica: waiting for $PRIMARY_HOST" >&2
    sleep 2
  done
  pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -R -S lianzhou_replica \
    -X stream -c fast
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on -c max_standby_streaming_delay=30s

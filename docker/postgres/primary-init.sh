#!/bin/sh
# First start of the primary (docker-entrypoint-initdb.d): JIT off for every connection (also
# those through pgbouncer, which forwards no `options`), and with REPLICATION_PASSWORD set, a
# replication role, the replica's slot and its pg_hba entry. An existing data volume needs the
# same once by hand (docs/scaling.md). No `exit`: the image sources a script that is not
# executable.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
  -c "ALTER DATABASE \"$POSTGRES_DB\" SET jit = off"
if [ -n "${REPLICATION_PASSWORD:-}" ]; then
  psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
    -v pass="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pass';
SELECT pg_create_physical_replication_slot('lianzhou_replica');
ALTER SYSTEM SET max_slot_wal_keep_size = '4GB';
SQL
  echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
fi

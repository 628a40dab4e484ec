#!/bin/sh
# Writes pgbouncer's configuration from the environment and runs it in the foreground.
#   <DB_NAME>          -> the primary (PRIMARY_HOST), statement_timeout WRITE_TIMEOUT
#   <DB_NAME>_replica  -> the replica (REPLICA_HOST), statement_timeout READ_TIMEOUT
# The timeouts (and no parallel workers, as the app's web connections) are set on each server
# connection when it opens (connect_query): in transaction pooling the app's own per-request
# SET cannot work (docs/scaling.md).
set -eu
: "${DB_PASSWORD:?set DB_PASSWORD}"
DB_NAME=${DB_NAME:-lianzhou}
DB_USER=${DB_USER:-gisapp}
PRIMARY_HOST=${PRIMARY_HOST:-db}
REPLICA_HOST=${REPLICA_HOST:-replica}
WRITE_TIMEOUT=${WRITE_TIMEOUT:-30s}
READ_TIMEOUT=${READ_TIMEOUT:-10s}
POOL_SIZE=${POOL_SIZE:-20}
umask 077
printf '"%s" "%s"\n' "$DB_USER" "$DB_PASSWORD" > /etc/pooler/userlist.txt
cat > /etc/pooler/pgbouncer.ini <<INI
[databases]
$DB_NAME = host=$PRIMARY_HOST port=5432 dbname=$DB_NAME connect_query='SELECT set_config(''statement_timeout'', ''$WRITE_TIMEOUT'', false), set_config(''max_parallel_workers_per_gather'', ''0'', false)'
${DB_NAME}_replica = host=$REPLICA_HOST port=5432 dbname=$DB_NAME connect_query='SELECT set_config(''statement_timeout'', ''$READ_TIMEOUT'', false), set_config(''max_parallel_workers_per_gather'', ''0'', false)'

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = /etc/pooler/userlist.txt
pool_mode = transaction
default_pool_size = $POOL_SIZE
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits,options
server_reset_query =
INI
exec pgbouncer /etc/pooler/pgbouncer.ini

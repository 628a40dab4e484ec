# Sourced by backup.sh and restore.sh: split DATABASE_URL (default: the local cluster's lianzhou
# database) into a libpq URI without the database name (DB_BASE), the name (DB_NAME) and the
# query string (DB_QUERY), and find the PostgreSQL 15 client programs (PGBIN).
DATABASE_URL=${DATABASE_URL:-postgis://gisapp:gisapp@127.0.0.1:5433/lianzhou}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [[ ! $DATABASE_URL =~ ^(postgres|postgresql|postgis|pgsql)://([^/]*)/([^?]+)(\?.*)?$ ]]; then
  echo "DATABASE_URL is not a PostgreSQL URL: ${DATABASE_URL%%@*}@..." >&2
  exit 2
fi
DB_BASE="postgresql://${BASH_REMATCH[2]}"
DB_NAME=${BASH_REMATCH[3]}
DB_QUERY=${BASH_REMATCH[4]:-}
db_uri() { echo "$DB_BASE/$1$DB_QUERY"; }
db_psql() {  # db_psql <database> [psql args...]
  local db=$1
  shift
  "$PGBIN/psql" "$(db_uri "$db")" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

#!/usr/bin/env bash
# make restore: a backup of backup.sh into a database, then its media files into MEDIA_ROOT,
# then a check that row counts and geometry checksums equal the backup's manifest.
# Usage: scripts/restore.sh [--force] <backup directory> [database]
# The database defaults to the one DATABASE_URL names; it is created when missing. A database
# that already holds tables is refused unless --force (or FORCE=1): then it is dropped first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/db_url.sh

FORCE=${FORCE:-0}
if [ "${1:-}" = --force ]; then
  FORCE=1
  shift
fi
SRC=${1:?usage: scripts/restore.sh [--force] <backup directory> [database]}
TARGET=${2:-$DB_NAME}
MEDIA_ROOT=${MEDIA_ROOT:-media}
for f in database.dump media.tar.gz manifest.tsv; do
  if [ ! -s "$SRC/$f" ]; then
    echo "$SRC is not a complete backup: $f is missing" >&2
    exit 1
  fi
done
if [[ ! $TARGET =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
  echo "refusing the database name $TARGET (letters, digits and _ only)" >&2
  exit 1
fi

exists=$(db_psql postgres -c "SELECT count(*) FROM pg_database WHERE datname = '$TARGET'")
if [ "$exists" = 1 ]; then
  tables=$(db_psql "$TARGET" -c "SELECT count(*) FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND c.relname <> 'spatial_ref_sys' AND n.nspname NOT LIKE 'pg_toast%'")
  if [ "$tables" != 0 ] && [ "$FORCE" != 1 ]; then
    echo "database $TARGET is not empty ($tables tables); nothing was changed." >&2
    echo "Stop the app, then run again with --force (make restore ... FORCE=1) to replace it." >&2
    exit 1
  fi
  echo "dropping database $TARGET"
  db_psql postgres -c "DROP DATABASE \"$TARGET\" WITH (FORCE)"
fi
db_psql postgres -c "CREATE DATABASE \"$TARGET\""

echo "restoring $SRC/database.dump into $TARGET"
"$PGBIN/pg_restore" --no-owner --exit-on-error --single-transaction \
  --dbname="$(db_uri "$TARGET")" "$SRC/database.dump"

mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$SRC/media.tar.gz"
echo "media files restored into $MEDIA_ROOT"

grep -v '^#' "$SRC/manifest.tsv" > "${TMPDIR:-/tmp}/restore-expected.$$"
db_psql "$TARGET" -f scripts/backup_manifest.sql | tr '|' '\t' > "${TMPDIR:-/tmp}/restore-found.$$"
if ! diff "${TMPDIR:-/tmp}/restore-expected.$$" "${TMPDIR:-/tmp}/restore-found.$$"; then
  rm -f "${TMPDIR:-/tmp}"/restore-{expected,found}.$$
  echo "VERIFY FAILED: $TARGET differs from the manifest of $SRC (lines above)" >&2
  exit 1
fi
rm -f "${TMPDIR:-/tmp}"/restore-{expected,found}.$$
echo "verified: $(grep -c '^rows' "$SRC/manifest.tsv") tables and" \
  "$(grep -c '^geom' "$SRC/manifest.tsv") geometry columns match the manifest"

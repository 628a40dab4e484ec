#!/usr/bin/env bash
# make backup: the database (pg_dump -Fc), the media files (MEDIA_ROOT: raster layers and other
# uploads) and a manifest (row counts, geometry checksums) into backups/<timestamp>/.
# Environment: DATABASE_URL (default: the local cluster's lianzhou), MEDIA_ROOT (default media/),
# BACKUP_DIR (default backups/). Prints the directory it wrote. Safe while the app runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/db_url.sh

MEDIA_ROOT=${MEDIA_ROOT:-media}
DEST="${BACKUP_DIR:-backups}/$(date +%Y%m%d-%H%M%S)"
if [ -e "$DEST" ]; then
  echo "$DEST already exists; wait a second and try again" >&2
  exit 1
fi
mkdir -p "$DEST"
# An unfinished backup must not look finished: manifest.tsv appears last, complete.
trap 'rm -f "$DEST/manifest.tsv.part"' EXIT

# The dump and the manifest read the same snapshot, exported by a psql session that stays
# open meanwhile, so the manifest describes exactly what the dump holds even while the app
# writes.
coproc SNAPSHOT { db_psql "$DB_NAME" 2>&1; }
exec {TO_PSQL}>&"${SNAPSHOT[1]}" {FROM_PSQL}<&"${SNAPSHOT[0]}"
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"$TO_PSQL"
read -r -t 60 snapshot <&"$FROM_PSQL"
if [[ ! $snapshot =~ ^[0-9A-F-]+$ ]]; then
  echo "cannot open a snapshot of $DB_NAME: $snapshot" >&2
  exit 1
fi

"$PGBIN/pg_dump" --format=custom --compress=6 --no-owner --snapshot="$snapshot" \
  --file="$DEST/database.dump" "$(db_uri "$DB_NAME")"

{
  echo "# database=$DB_NAME"
  echo "# created=$(date -Iseconds)"
  echo "# $("$PGBIN/pg_dump" --version)"
} > "$DEST/manifest.tsv.part"
printf '\\i scripts/backup_manifest.sql\n\\echo __manifest_end__\n' >&"$TO_PSQL"
while true; do
  if ! read -r -t 3600 line <&"$FROM_PSQL"; then
    echo "the manifest query failed" >&2
    exit 1
  fi
  [ "$line" = __manifest_end__ ] && break
  if [[ ! $line =~ ^(rows|geom)\| ]]; then
    echo "the manifest query failed: $line" >&2
    exit 1
  fi
  echo "${line//|/$'\t'}" >> "$DEST/manifest.tsv.part"
done
printf 'COMMIT;\n\\q\n' >&"$TO_PSQL"
exec {TO_PSQL}>&- {FROM_PSQL}<&-
wait

if [ -d "$MEDIA_ROOT" ]; then
  tar -C "$MEDIA_ROOT" -czf "$DEST/media.tar.gz" .
else
  tar -czf "$DEST/media.tar.gz" -T /dev/null
fi
mv "$DEST/manifest.tsv.part" "$DEST/manifest.tsv"
echo "$DEST"

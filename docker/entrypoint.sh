#!/bin/sh
# Container entrypoint: wait for the database, apply migrations, then run the command (gunicorn by
# default, or e.g. `python manage.py load_demo`).
#   DB_WAIT_SECONDS   how long to wait for the database (default 60; 0 = do not wait)
#   MIGRATE_ON_START  1 (default) runs `migrate --noinput` first; 0 skips it (extra replicas,
#                     one-off commands against a database migrated elsewhere)
#   WEB_CONCURRENCY   gunicorn workers; default 2 x CPU cores + 1
set -eu

if [ -z "${WEB_CONCURRENCY:-}" ]; then
  WEB_CONCURRENCY=$((2 * $(nproc) + 1))
  export WEB_CONCURRENCY
fi

if [ "${DB_WAIT_SECONDS:-60}" != 0 ]; then
  # Through Django itself, so DATABASE_URL is parsed exactly as the app parses it; importing the
  # production settings also fails here, clearly, when SECRET_KEY or ALLOWED_HOSTS is missing.
  python - <<'PY'
import os
import sys
import time

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.utils import OperationalError  # noqa: E402

limit = float(os.environ.get("DB_WAIT_SECONDS", "60"))
deadline = time.monotonic() + limit
settings = connection.settings_dict
where = f"{settings.get('HOST') or 'local socket'}:{settings.get('PORT') or 5432}/{settings['NAME']}"
while True:
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        if time.monotonic() >= deadline:
            sys.exit(f"entrypoint: database {where} unreachable after {limit:.0f} s: {exc}")
        print(f"entrypoint: waiting for database {where} ...", file=sys.stderr, flush=True)
        time.sleep(2)
    else:
        connection.close()
        break
PY
fi

if [ "${MIGRATE_ON_START:-1}" = 1 ]; then
  python manage.py migrate --noinput
fi

exec "$@"

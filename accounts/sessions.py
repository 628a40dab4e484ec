"""Database sessions that bring the data versions along: one round trip instead of two.

Nearly every request loads its session, and the hot read paths (tiles, feature pages, the
cached user) then read the data versions (layers.services.versions). This store loads both
with one statement and hands the versions to the request's memo, so a warm tile costs a single
small query. Sessions stay in the database, so a logout holds in every worker process.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.utils import timezone

from gisapp.db_router import PRIMARY, read_alias
from layers.prepared import execute_prepared, prepared_cursor
from layers.services.versions import VERSIONS_SQL, remember_request_versions

# Both parts are constants; the session key and time are parameters.
SESSION_WITH_VERSIONS_SQL = (
    "SELECT (SELECT session_data FROM django_session "  # noqa: S608
    "WHERE session_key = %s AND expire_date > %s), " + VERSIONS_SQL
)


class SessionStore(db.SessionStore):
    def load(self) -> dict:
        # Prepared on the connection (the text never changes): parsed and planned once.
        with prepared_cursor() as cur:
            execute_prepared(cur, SESSION_WITH_VERSIONS_SQL, [self.session_key, timezone.now()])
            session_data, versions = cur.fetchone()
        # The session is always the primary's (raw `connection`); its versions are kept only
        # when this request also reads its data there (gisapp/db_router.py: a request reading
        # from the replica reads the replica's versions, never newer than its content).
        if read_alias() == PRIMARY:
            remember_request_versions(versions)
        if session_data is None:
            self._session_key = None
            return {}
        return self.decode(session_data)

"""Database sessions that bring the data versions along: one round trip instead of two.

Nearly every request loads its session, and the hot read paths (tiles, feature pages, the
cached user) then read the data versions (layers.services.versions). This store loads both
with one statement and hands the versions to the request's memo, so a warm tile costs a single
small query. Sessions stay in the database, so a logout holds in every worker process.

A cold tile goes one step further (gisapp/tile_fast_path.py): it presumes the session and the
versions this process read last (`known_session`) and checks both inside the tile's own
statement (`with_session_sql`), so it too costs one round trip; a presumption that no longer
holds is thrown away with what was built on it.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from django.contrib.sessions.backends import db
from django.utils import timezone

from gisapp.db_router import PRIMARY, read_alias
from layers.prepared import execute_prepared, prepared_cursor
from layers.services.versions import VERSIONS_SQL, remember_request_versions

# Both parts are constants; the session key and time are parameters.
SESSION_SQL = "SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > %s"
SESSION_WITH_VERSIONS_SQL = f"SELECT ({SESSION_SQL}), " + VERSIONS_SQL  # noqa: S608

# Sessions this process loaded lately (key → the stored text and its decoded data) and the
# data versions it read last from the primary: what a cold tile presumes and then checks.
KNOWN_SESSIONS_MAX = 4096
_known: dict[str, tuple[str, dict]] = {}
_last: dict = {"versions": None, "json": None}
_lock = threading.Lock()  # gthread workers: eviction and insertion as one step


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
            with _lock:
                _last["versions"], _last["json"] = versions, None
        key = self.session_key
        if session_data is None:
            self._session_key = None
            with _lock:
                _known.pop(key or "", None)
            return {}
        with _lock:
            known = _known.get(key)
        if known is not None and known[0] == session_data:
            # The same stored text decodes to the same data: no signature check, inflate and
            # JSON again (a tenth of a warm tile's time).
            return dict(known[1])
        decoded = self.decode(session_data)
        remember_session(key, session_data, decoded)
        return decoded


def remember_session(session_key: str, session_data: str, decoded: dict) -> None:
    """Keep a session just read (its stored text and decoded data) for known_session; the
    oldest of KNOWN_SESSIONS_MAX goes first."""
    with _lock:
        if session_key not in _known and len(_known) >= KNOWN_SESSIONS_MAX:
            _known.pop(next(iter(_known)), None)
        _known[session_key] = (session_data, dict(decoded))


@dataclass(frozen=True)
class Presumed:
    """A session as this process last read it: its stored text and decoded data, and the data
    versions read last (any session's), with their JSON for the statement that checks them."""

    session_key: str
    session_data: str
    session: dict
    versions: dict
    versions_json: str

    def holds(self, session_data: str | None, versions: dict) -> bool:
        """Whether one statement read exactly what was presumed (`with_session_sql`). When
        not, the presumption is forgotten: the next load reads both afresh."""
        if session_data == self.session_data and versions == self.versions:
            return True
        with _lock:
            _known.pop(self.session_key, None)
            if _last["versions"] is self.versions:
                _last["versions"], _last["json"] = None, None
        return False


def known_session(session_key: str) -> Presumed | None:
    """The session and versions as this process last read them, or None."""
    with _lock:
        found = _known.get(session_key)
        versions = _last["versions"]
        if found is None or versions is None:
            return None
        if _last["json"] is None:
            _last["json"] = json.dumps(versions)
        versions_json = _last["json"]
    return Presumed(session_key, found[0], dict(found[1]), versions, versions_json)


def with_session_sql(sql: str) -> str:
    """`sql` (one row) with the session's stored text and the data versions before its
    columns, all read by one statement, so from one snapshot; `sql` runs only when both are
    those presumed (a one-time filter: a presumption that fails builds nothing, and its row
    has NULLs in `sql`'s columns). Parameters: the session key and the time, then `sql`'s,
    then the presumed session text and versions (JSON)."""
    return (
        "SELECT s.session_data, s.versions, t.* FROM "  # noqa: S608
        f"(SELECT ({SESSION_SQL}) AS session_data, {VERSIONS_SQL} AS versions OFFSET 0) s "
        f"LEFT JOIN LATERAL (SELECT * FROM ({sql}) x "
        "WHERE s.session_data = %s AND s.versions::jsonb = %s::jsonb OFFSET 0) t ON true"
    )

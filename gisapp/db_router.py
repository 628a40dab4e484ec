"""Reads of safe web requests from the read replica, everything else from the primary.

Without a `replica` alias (DATABASE_REPLICA_URL unset) nothing changes: every query goes to
`default`. With one, ReplicaReadMiddleware marks a GET/HEAD request as one that may read from
the replica, and PrimaryReplicaRouter sends that request's ORM reads there. Everything else reads
and writes the primary:

- requests that may write (POST, PUT, PATCH, DELETE, OPTIONS), and everything outside a web
  request: the evaluation worker, imports, management commands, the test runner;
- reads inside a transaction on the primary (a service's `transaction.atomic()` reads what it
  is about to change), `select_for_update()`, `get_or_create()`/`update_or_create()` (Django
  routes them as writes), related objects of an object loaded from the primary;
- the models of PRIMARY_ONLY (sessions, users, groups, tokens, area memberships, the
  idempotency store): a logout, a password change, a revoked right or a replayed request
  key take effect at once, never after the replica's lag;
- raw SQL through `django.db.connection` (sessions, data versions, tiles): that is `default`;
  code that wants the replica asks for `connections[read_alias()]`.

The stale-read rule (docs/scaling.md): a request that may have written stamps the browser with
the primary's WAL insert position (signed cookie READ_AFTER_COOKIE). Until the replica has
replayed that position, the same browser's reads come from the primary, so a user always reads
their own writes; other users' reads may come from the replica and lag behind by at most
REPLICA_MAX_LAG_S (seconds of received but not yet replayed WAL, measured on the replica; past
it, reads go to the primary). A replica that is unreachable (REPLICA_CONNECT_TIMEOUT_S), not in
recovery (promoted: it no longer follows this primary) or failing is left alone for
REPLICA_RETRY_S and reads go to the primary meanwhile.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD"})
READ_AFTER_COOKIE = "lz_read_after"
_COOKIE_SALT = "gisapp.db_router.read_after"
_LSN = re.compile(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}")
# Apps and models whose reads never lag: authentication and authorisation state, and the
# idempotency store (a replayed key must find the stored answer at once).
PRIMARY_ONLY_APPS = frozenset({"auth", "authtoken", "sessions", "accounts", "contenttypes"})
PRIMARY_ONLY_MODELS = frozenset({"network.idempotentrequest"})

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)
# Monotonic time before which this process does not try the replica again (it failed).
_replica_down_until = 0.0
_down_lock = threading.Lock()

# One round trip on the replica: is it a standby, has it replayed the given WAL position, and
# how many seconds of received WAL wait to be replayed (0 when it has replayed all it has).
REPLICA_STATE_SQL = """
SELECT pg_is_in_recovery(),
       COALESCE(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), %s::pg_lsn) >= 0, false),
       CASE WHEN pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()
            THEN COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
            ELSE 0 END
"""
# The insert position, not pg_current_wal_lsn() (the write position): with
# synchronous_commit = off a commit record may still be in the WAL buffers, before the write
# position, while the insert position is always past it.
PRIMARY_POSITION_SQL = "SELECT pg_current_wal_insert_lsn()::text"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The alias this context's reads go to: the replica only inside a request that
    ReplicaReadMiddleware let read there, and never inside a transaction on the primary."""
    if not _replica_reads.get() or not replica_configured():
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return REPLICA


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may come from the replica (read_alias decides)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Every read in this block comes from the primary, even in a replica-reading request."""
    token = _replica_reads.set(False)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class PrimaryReplicaRouter:
    """Writes and migrations: the primary. Reads: read_alias(), except PRIMARY_ONLY and reads
    that follow an object (its own database)."""

    def db_for_read(self, model, **hints) -> str:
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or meta.label_lower in PRIMARY_ONLY_MODELS:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica holds the primary's data: one database, two copies

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


def _mark_down(reason: str) -> None:
    global _replica_down_until
    with _down_lock:
        _replica_down_until = time.monotonic() + float(settings.REPLICA_RETRY_S)
    logger.warning("read replica not used for %ss: %s", settings.REPLICA_RETRY_S, reason)
    try:
        connections[REPLICA].close()
    except DatabaseError:
        pass


def replica_retry_now() -> None:
    """Forget an earlier failure: the next request tries the replica again."""
    global _replica_down_until
    with _down_lock:
        _replica_down_until = 0.0


def _read_after(request: HttpRequest) -> str:
    """The WAL position this browser must see (its last write), or 0/0."""
    try:
        value = request.get_signed_cookie(READ_AFTER_COOKIE, salt=_COOKIE_SALT)
    except (KeyError, signing.BadSignature):
        return "0/0"
    # We only sign positions the primary gave; the shape is checked all the same, so that no
    # value can make the replica's query fail (which would take the replica out of use).
    return value if _LSN.fullmatch(value) else "0/0"


def replica_can_serve(request: HttpRequest) -> bool:
    """Whether this request's reads may come from the replica (the stale-read rule)."""
    if time.monotonic() < _replica_down_until:
        return False
    try:
        with connections[REPLICA].cursor() as cur:
            cur.execute(REPLICA_STATE_SQL, [_read_after(request)])
            in_recovery, has_replayed, lag_s = cur.fetchone()
    except DatabaseError as exc:
        _mark_down(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return False
    if not in_recovery:
        _mark_down("it is not in recovery (promoted?)")
        return False
    return bool(has_replayed) and float(lag_s) <= float(settings.REPLICA_MAX_LAG_S)


def remember_write(response: HttpResponse) -> None:
    """Stamp the browser with the primary's WAL position after a request that may have
    written, so its next reads wait for the replica to have replayed it."""
    primary = connections[PRIMARY]
    if primary.connection is None:
        return  # the request never used the primary: it wrote nothing
    try:
        with primary.cursor() as cur:
            cur.execute(PRIMARY_POSITION_SQL)
            (position,) = cur.fetchone()
    except DatabaseError:
        return  # the primary failed: the response says so, and there is no position to keep
    response.set_signed_cookie(
        READ_AFTER_COOKIE,
        position,
        salt=_COOKIE_SALT,
        max_age=int(settings.REPLICA_READ_AFTER_MAX_S),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


class ReplicaReadMiddleware:
    """Lets GET/HEAD requests read from the replica when the stale-read rule allows it; stamps
    the browser after other requests. Place it outside SessionMiddleware, so the position is
    taken after the session is saved. Without a replica alias it does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        if request.method in SAFE_METHODS:
            if not replica_can_serve(request):
                return self.get_response(request)
            with replica_reads():
                return self.get_response(request)
        response = self.get_response(request)
        remember_write(response)
        return response

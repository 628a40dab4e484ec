"""Data versions: reading the counters that every write bumps (database triggers).

The counters live in the database (`layers_layerversion`), the one place every worker process
shares: a hot path reads them once per request (`current_layer_versions`, one small query) and
keys its process-local caches on them, so no worker can serve another's stale data.
"""

import threading

from django.core.signals import request_finished, request_started
from django.db import connections

from gisapp.db_router import read_alias

_request = threading.local()  # the versions read in this thread's current request, if any


def layer_versions() -> dict[str, int]:
    """Current version of every layer slug / record kind that was ever written (database).

    From the database this context reads from (gisapp/db_router.py): in a request reading from
    the replica, the replica's. A cache keyed on versions must never hold content older than its
    key; content read afterwards from the same replica, or from the primary, is as new or newer.
    """
    with connections[read_alias()].cursor() as cur:
        cur.execute("SELECT key, version FROM layers_layerversion")
        return dict(cur.fetchall())


def current_layer_versions() -> dict[str, int]:
    """The versions, read at most once per request (outside a request: every call reads).

    Hot paths (tiles, verdict freshness, cached users) call this several times per request;
    one query serves them all.
    """
    if not getattr(_request, "active", False):
        return layer_versions()
    found = getattr(_request, "versions", None)
    if found is None:
        found = _request.versions = layer_versions()
    return found


# For a query that reads the versions along with something else (the session store does):
# a statement's select-list item giving the same dict as layer_versions().
VERSIONS_SQL = (
    "(SELECT coalesce(json_object_agg(key, version), '{}'::json) FROM layers_layerversion)"
)


def remember_request_versions(versions: dict[str, int]) -> None:
    """Keep versions read by another statement (VERSIONS_SQL) for the rest of this request."""
    if getattr(_request, "active", False):
        _request.versions = versions


def forget_request_versions() -> None:
    """Drop versions remembered for this request (a presumption that did not hold): the next
    call reads them."""
    _request.versions = None


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _request_begins(environ=None, **_signal_kwargs) -> None:
    # Only a safe request memoises: a write request must read the versions its own writes
    # (through the triggers) have just bumped.
    method = (environ or {}).get("REQUEST_METHOD", "GET")
    _request.active, _request.versions = method in _SAFE_METHODS, None


def _request_ends(**_signal_kwargs) -> None:
    _request.active, _request.versions = False, None


def connect_request_signals() -> None:
    """From AppConfig.ready(): the per-request memo starts empty and ends with the request."""
    request_started.connect(_request_begins, dispatch_uid="layer-versions-request-started")
    request_finished.connect(_request_ends, dispatch_uid="layer-versions-request-finished")

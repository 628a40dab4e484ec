"""Data versions: every write bumps its layer's counter, so caches and verdicts see change.

The counters live in the database (`layers_layerversion`), the one place every worker process
shares: a hot path reads them once per request (`current_layer_versions`, one small query) and
keys its process-local caches on them, so no worker can serve another's stale data.
"""

import threading

from django.core.signals import request_finished, request_started
from django.db import connection

_request = threading.local()  # the versions read in this thread's current request, if any


def layer_versions_bump(*keys: str) -> None:
    """Increment the version of each layer slug or record kind (creating it at 1).

    Other requests see the new numbers when the transaction commits, together with the data.
    """
    if not keys:
        return
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO layers_layerversion (key, version, changed_at) "
            "SELECT k, 1, now() FROM unnest(%s::text[]) AS k "
            "ON CONFLICT (key) DO UPDATE SET version = layers_layerversion.version + 1, "
            "changed_at = now()",
            [sorted(set(keys))],
        )
    _request.versions = None  # this request reads its own write


def layer_versions() -> dict[str, int]:
    """Current version of every layer slug / record kind that was ever written (database)."""
    with connection.cursor() as cur:
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


def _request_begins(**_signal_kwargs) -> None:
    _request.active, _request.versions = True, None


def _request_ends(**_signal_kwargs) -> None:
    _request.active, _request.versions = False, None


def connect_request_signals() -> None:
    """From AppConfig.ready(): the per-request memo starts empty and ends with the request."""
    request_started.connect(_request_begins, dispatch_uid="layer-versions-request-started")
    request_finished.connect(_request_ends, dispatch_uid="layer-versions-request-finished")

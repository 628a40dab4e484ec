"""The network's history of an import: each pipe or node a layer import wrote, with the
import as the change's cause (operation "import"), so it can be shown and reverted like an
edit.

A large import is recorded as several changes of at most IMPORT_HISTORY_CHUNK features each
(one row holding 200,000 pipes would be hundreds of megabytes of JSON). The states after are
built in the database (session.features_json_sql: the same Features pipe_features gives), so
a first load of 200,000 pipes does not carry them through Python twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from network.models import NetworkChange
from network.services.session import (
    HISTORY_DIGITS,
    features_json_sql,
    node_features,
    pipe_features,
)

IMPORT_HISTORY_CHUNK = 2000
_FEATURES = {"pipes": pipe_features, "pipe-nodes": node_features}
_KEY = {"pipes": "pipes", "pipe-nodes": "nodes"}


def network_import_before(slug: str, ids: Sequence[int]) -> dict[int, dict]:
    """The stored states (GeoJSON, full precision) of the features an import will change."""
    return _FEATURES[slug](ids, HISTORY_DIGITS) if ids else {}


def network_import_record(
    slug: str, before: dict[int, dict], ids: Sequence[int], *, user=None
) -> int:
    """Record the import's changes to `ids` (created, updated or retired features of the
    layer `slug`, 'pipes' or 'pipe-nodes'): their states before (none for new ones) and
    after, in changes of at most IMPORT_HISTORY_CHUNK features (ids in order). Returns the
    number of changes recorded."""
    key = _KEY[slug]
    ordered = sorted(set(ids))
    if not ordered:
        return 0
    # One statement: the ids numbered and cut into chunks; each chunk's states before (from
    # `before`, passed as JSON) and after (built here, as json text parsed once into the
    # jsonb column) in id order.
    query = (
        "INSERT INTO layers_networkchange "  # noqa: S608 (constants)
        " (operation, user_id, created_at, pipe_ids, node_ids, before, after) "
        "SELECT %(operation)s, %(user)s, %(at)s, "
        " CASE WHEN %(key)s = 'pipes' THEN c.ids ELSE '{}' END, "
        " CASE WHEN %(key)s = 'nodes' THEN c.ids ELSE '{}' END, "
        " jsonb_build_object(%(key)s, c.before), "
        " jsonb_build_object(%(key)s, (SELECT COALESCE(json_agg(f.feature ORDER BY f.id), '[]') "
        f"  FROM ({features_json_sql(key, 'c.ids')}) f(id, feature))::jsonb) "
        "FROM (SELECT (u.n - 1) / %(chunk)s AS chunk, array_agg(u.id ORDER BY u.id) AS ids, "
        "  COALESCE(jsonb_agg(%(before)s::jsonb -> u.id::text ORDER BY u.id) "
        "   FILTER (WHERE %(before)s::jsonb ? u.id::text), '[]') AS before "
        " FROM unnest(%(ids)s::bigint[]) WITH ORDINALITY u(id, n) GROUP BY 1) c "
        "ORDER BY c.chunk"
    )
    with connection.cursor() as cur:
        # lz4 compresses the ~1 MB of each chunk several times faster than the default pglz
        # (read back alike); for this statement only.
        cur.execute(
            "SELECT current_setting('default_toast_compression'), "
            "set_config('default_toast_compression', 'lz4', true)"
        )
        (compression, _set) = cur.fetchone()
        cur.execute(
            query,
            {
                "operation": NetworkChange.Operation.IMPORT.value,
                "user": getattr(user, "pk", None),
                "at": timezone.now(),
                "key": key,
                "chunk": IMPORT_HISTORY_CHUNK,
                "before": json.dumps({str(i): f for i, f in before.items()}),
                "ids": ordered,
                "digits": HISTORY_DIGITS,
            },
        )
        recorded = cur.rowcount
        cur.execute("SELECT set_config('default_toast_compression', %s, true)", [compression])
    return recorded

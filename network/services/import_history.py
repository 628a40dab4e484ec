"""The network's history of an import: each pipe or node a layer import wrote, with the
import as the change's cause (operation "import"), so it can be shown and reverted like an
edit.

A large import is recorded as several changes of at most IMPORT_HISTORY_CHUNK features each
(one row holding 200,000 pipes would be hundreds of megabytes of JSON). The states after are
built in the database (session.features_json_sql: the same Features pipe_features gives), so
a large import does not carry them through Python twice.

The features an import creates are kept with less: for each its id and what its state looks
up in other tables (session.LOOKED_UP_PROPERTIES: a pipe's end node, zone and town codes; a
node's town code and degree), as after = {"first_load": [[id, start node code, end node code,
zone code, town code], ...]} for pipes ([[id, town code, degree], ...] for nodes), not
~100 MB of whole states (the key dates from when only first loads were kept so). The rest of
a created feature's state is its own columns, and every write to those (the edit services,
revert, the admin, a later import) records the feature's state before it: so the state at
creation is the `before` of the feature's first later change, or its current row when there
is none, with the looked-up values kept here. created_states() rebuilds it, and every reader
of the history (history.change_as_dict, change_revert, the admin) goes through it, so such a
change reads exactly as if the whole states had been recorded. Updated and retired features
get their whole states before and after.

The junctions a pipes import adds (dataio/importing/layer_write.py) are recorded as changes
of their own, before the pipes': reverting the import's pipes and then those changes removes
them; a junction still ending a pipe is not removed (history.change_revert refuses).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone

from network.models import NetworkChange
from network.services.session import (
    HISTORY_DIGITS,
    LOOKED_UP_PROPERTIES,
    codes_json_sql,
    features_json_sql,
    node_features,
    pipe_features,
)

IMPORT_HISTORY_CHUNK = 2000
_FEATURES = {"pipes": pipe_features, "pipe-nodes": node_features}
_KEY = {"pipes": "pipes", "pipe-nodes": "nodes"}
FIRST_LOAD = "first_load"  # the key of a created features' `after` (the module's docstring)


def network_import_before(slug: str, ids: Sequence[int]) -> dict[int, dict]:
    """The stored states (GeoJSON, full precision) of the features an import will change."""
    return _FEATURES[slug](ids, HISTORY_DIGITS) if ids else {}


def network_import_record(
    slug: str, before: dict[int, dict], ids: Sequence[int], *, user=None, created: bool = False
) -> int:
    """Record the import's changes to `ids` (created, updated or retired features of the
    layer `slug`, 'pipes' or 'pipe-nodes'): their states before (none for new ones) and
    after, in changes of at most IMPORT_HISTORY_CHUNK features (ids in order). Returns the
    number of changes recorded.

    created: the features were all created by the import (nothing before): each is kept as
    its id and looked-up values only (the module's docstring; created_states reads it).
    """
    key = _KEY[slug]
    ordered = sorted(set(ids))
    if not ordered:
        return 0
    if created and not before:
        kept, rows = f"'{FIRST_LOAD}'", codes_json_sql(key, "c.ids")  # ids and codes only
    else:
        kept, rows = "%(key)s", features_json_sql(key, "c.ids")
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
        f" jsonb_build_object({kept}, (SELECT COALESCE(json_agg(f.state ORDER BY f.id), '[]') "
        f"  FROM ({rows}) f(id, state))::jsonb) "
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


def created_states(changes: Iterable[NetworkChange]) -> None:
    """Give each change of created features among `changes` (after = {"first_load": ...})
    the `after` a whole-state record would hold, in memory: {"pipes": [Feature]} (or
    "nodes") in id order, each feature's state at creation rebuilt from its own columns (the
    `before` of its first later change that holds one, else its current row, full precision)
    and the values looked up at the import. Other changes are left as they are."""
    for change in changes:
        rows = change.after.get(FIRST_LOAD) if isinstance(change.after, dict) else None
        if rows is not None:
            key = "pipes" if change.pipe_ids else "nodes"
            change.after = {key: _created_features(key, change.pk, rows)}


def _jsonb(value) -> dict:
    return json.loads(value) if isinstance(value, str | bytes) else value


_ID_COLUMN = {"pipes": "pipe_ids", "nodes": "node_ids"}


def _created_features(key: str, change_id: int, rows: list[list]) -> list[dict]:
    ids = [row[0] for row in rows]
    with connection.cursor() as cur:
        # Every later write to a feature's own columns recorded its state before it; the
        # first of them (by change id: writes are serialised by the network lock) holds the
        # state the import gave it.
        cur.execute(
            "SELECT DISTINCT ON (f.id) f.id, f.feature FROM layers_networkchange c "  # noqa: S608 (constants)
            "CROSS JOIN LATERAL jsonb_array_elements(c.before -> %(key)s) e(feature) "
            "CROSS JOIN LATERAL (SELECT (e.feature ->> 'id')::bigint, e.feature) f(id, feature) "
            f"WHERE c.id > %(change)s AND c.{_ID_COLUMN[key]} && %(ids)s::bigint[] "
            "AND f.id = ANY(%(ids)s) ORDER BY f.id, c.id",
            {"change": change_id, "ids": ids, "key": key},
        )
        states = {pipe_id: _jsonb(feature) for pipe_id, feature in cur.fetchall()}
        unchanged = [i for i in ids if i not in states]
        if unchanged:  # never written since: the current row (json to jsonb, as recorded)
            cur.execute(
                f"SELECT f.id, f.feature::jsonb FROM ({features_json_sql(key)}) "  # noqa: S608 (constants)
                "f(id, feature)",
                {"ids": unchanged, "digits": HISTORY_DIGITS},
            )
            states.update((pipe_id, _jsonb(feature)) for pipe_id, feature in cur.fetchall())
    features = []
    for feature_id, *looked_up in rows:
        feature = states.get(feature_id)
        if feature is None:  # not possible through the application (a deletion is recorded)
            continue
        feature["properties"].update(zip(LOOKED_UP_PROPERTIES[key], looked_up, strict=True))
        features.append(feature)
    return features

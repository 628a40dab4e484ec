"""The network's history of an import: each pipe or node a layer import wrote, with the
import as the change's cause (operation "import"), so it can be shown and reverted like an
edit.

A large import is recorded as several changes of at most IMPORT_HISTORY_CHUNK features each
(one row holding 200,000 pipes would be hundreds of megabytes of JSON).
"""

from __future__ import annotations

from collections.abc import Sequence

from network.models import NetworkChange
from network.services.session import HISTORY_DIGITS, node_features, pipe_features

IMPORT_HISTORY_CHUNK = 2000
_FEATURES = {"pipes": pipe_features, "pipe-nodes": node_features}
_KEY = {"pipes": "pipes", "pipe-nodes": "nodes"}


def network_import_before(slug: str, ids: Sequence[int]) -> dict[int, dict]:
    """The stored states (GeoJSON, full precision) of the features an import will change."""
    return _FEATURES[slug](ids, HISTORY_DIGITS) if ids else {}


def network_import_record(
    slug: str, before: dict[int, dict], ids: Sequence[int], *, user=None
) -> list[NetworkChange]:
    """Record the import's changes to `ids` (created, updated or retired features of the
    layer `slug`, 'pipes' or 'pipe-nodes'): their states before (none for new ones) and
    after, in changes of at most IMPORT_HISTORY_CHUNK features."""
    key = _KEY[slug]
    ordered = sorted(set(ids))
    changes = []
    for start in range(0, len(ordered), IMPORT_HISTORY_CHUNK):
        chunk = ordered[start : start + IMPORT_HISTORY_CHUNK]
        after = _FEATURES[slug](chunk, HISTORY_DIGITS)
        changes.append(
            NetworkChange(
                operation=NetworkChange.Operation.IMPORT,
                user=user,
                pipe_ids=chunk if key == "pipes" else [],
                node_ids=chunk if key == "nodes" else [],
                before={key: [before[i] for i in chunk if i in before]},
                after={key: [after[i] for i in chunk if i in after]},
            )
        )
    return NetworkChange.objects.bulk_create(changes)

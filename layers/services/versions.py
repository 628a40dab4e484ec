"""Data versions: every write bumps its layer's counter, so caches and verdicts see change."""

import uuid

from django.core.cache import cache
from django.db import connection, transaction

CACHE_KEY = "layers:versions"
GENERATION_KEY = "layers:versions:generation"


def layer_versions_bump(*keys: str) -> None:
    """Increment the version of each layer slug or record kind (creating it at 1).

    The cached copy of the versions is dropped when the transaction commits, so no reader
    can pair new version numbers with data it cannot see yet.
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
    transaction.on_commit(_new_generation)


def _new_generation() -> None:
    """After a commit: a new generation token makes every cached copy of the versions invalid,
    including one a concurrent reader is about to store from a read made before the commit."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def layer_versions() -> dict[str, int]:
    """Current version of every layer slug / record kind that was ever written (database)."""
    with connection.cursor() as cur:
        cur.execute("SELECT key, version FROM layers_layerversion")
        return dict(cur.fetchall())


def cached_layer_versions() -> dict[str, int]:
    """The versions from the cache when present (no query), else from the database.

    Used on hot paths (warm tiles) that must not touch the database. In a deployment with
    several processes the cache must be shared (file-based or Redis), see docs/deploy.md.
    """
    found = cache.get_many([GENERATION_KEY, CACHE_KEY])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.add(GENERATION_KEY, generation, timeout=None)
        generation = cache.get(GENERATION_KEY, generation)
    cached = found.get(CACHE_KEY)
    if cached is not None and cached[0] == generation:
        return cached[1]
    # Read under the generation seen *before* the read: a commit in between changes the
    # generation, so this copy is never taken for current once stored.
    versions = layer_versions()
    cache.set(CACHE_KEY, (generation, versions), timeout=None)
    return versions

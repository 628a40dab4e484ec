"""Data versions: every write bumps its layer's counter, so caches and verdicts see change."""

from django.core.cache import cache
from django.db import connection, transaction

CACHE_KEY = "layers:versions"


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
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


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
    versions = cache.get(CACHE_KEY)
    if versions is None:
        versions = layer_versions()
        cache.set(CACHE_KEY, versions, timeout=None)
    return versions

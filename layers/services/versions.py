"""Data versions: every write bumps its layer's counter, so caches and verdicts see change."""

from django.db import connection


def layer_versions_bump(*keys: str) -> None:
    """Increment the version of each layer slug or record kind (creating it at 1)."""
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


def layer_versions() -> dict[str, int]:
    """Current version of every layer slug / record kind that was ever written."""
    with connection.cursor() as cur:
        cur.execute("SELECT key, version FROM layers_layerversion")
        return dict(cur.fetchall())

"""The shared vector tile cache (layers/tile_cache.py): an UNLOGGED table outside `public`."""

from django.db import migrations

CREATE = """
CREATE SCHEMA IF NOT EXISTS tile_cache;
CREATE UNLOGGED TABLE tile_cache.tiles (
    key text PRIMARY KEY,
    versions text NOT NULL,
    content bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tiles_versions ON tile_cache.tiles (versions);
ALTER TABLE tile_cache.tiles SET (autovacuum_vacuum_scale_factor = 0.05);
-- The keys hold the data versions' digest: were the counters ever emptied (a test runner's
-- flush truncates them) they would count again from the start and old digests come back, so
-- the shared tiles go with them.
CREATE FUNCTION tile_cache.forget_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tile_cache.tiles;
    RETURN NULL;
END $$;
CREATE TRIGGER tile_cache_forget AFTER TRUNCATE OR DELETE ON layers_layerversion
    FOR EACH STATEMENT EXECUTE FUNCTION tile_cache.forget_all();
"""

DROP = """
DROP TRIGGER IF EXISTS tile_cache_forget ON layers_layerversion;
DROP SCHEMA IF EXISTS tile_cache CASCADE;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0009_county_scope")]

    operations = [migrations.RunSQL(CREATE, DROP)]

"""The floors' SQL, without Django: importable by the benchmark runner and the floor server."""

# The floor for a pipes tile: the plain query a hand-written tile server would run —
# the pipes in the tile (the same rows: in service, thinned by diameter as the layer's spec
# thins them), their attributes, no verdicts, no area scope. Parameters: z, x, y, z, x, y and
# the smallest diameter drawn at z (mm).
BARE_TILE_SQL = """
SELECT ST_AsMVT(q, 'pipes', 4096, 'geom', 'id') FROM (
  SELECT ST_AsMVTGeom(ST_Transform(p.geom, 3857), ST_TileEnvelope(%s, %s, %s), 4096, 64) AS geom,
         p.id, p.code, p.diameter_mm, p.material, p.status, p.install_year, p.version
  FROM layers_pipesegment p
  WHERE p.geom && ST_Transform(ST_TileEnvelope(%s, %s, %s, margin => 64.0 / 4096), 4326)
    AND p.status <> 'abandoned' AND p.diameter_mm >= %s) q"""

"""Writes from the raster layers: pipe-node elevations sampled from the terrain raster."""

from __future__ import annotations

import numpy as np
from django.db import connection, transaction

from dataio.importing.raster_import import ELEVATION_RASTER, raster_path
from layers.geometry import STORAGE_SRID
from rasters.models import RasterLayer
from rasters.raster import sample


@transaction.atomic
def pipe_nodes_sample_elevation(*, raster_slug: str = ELEVATION_RASTER) -> int:
    """Fill PipeNode.elevation_m (m, 0.1 m) from the terrain raster at every node's point.

    Nodes outside the raster or on nodata cells get no elevation (NULL). Only rows whose value
    changes are written, in one set-based UPDATE; the pipe-nodes data version is bumped when any
    did. Returns the number of nodes changed; 0 when the raster is not registered.
    """
    layer = RasterLayer.objects.filter(slug=raster_slug).first()
    if layer is None:
        return 0
    with connection.cursor() as cur:
        cur.execute("SELECT id, ST_X(geom), ST_Y(geom) FROM layers_pipenode ORDER BY id")
        rows = cur.fetchall()
    if not rows:
        return 0
    ids = [r[0] for r in rows]
    xy = np.array([(r[1], r[2]) for r in rows], dtype=float)
    values = sample(raster_path(layer), layer.srid, xy[:, 0], xy[:, 1], STORAGE_SRID)
    elevations = [None if v != v else round(float(v), 1) for v in values]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE layers_pipenode n SET elevation_m = v.elevation "
            "FROM unnest(%s::bigint[], %s::float8[]) AS v(id, elevation) "
            "WHERE n.id = v.id AND n.elevation_m IS DISTINCT FROM v.elevation",
            [ids, elevations],
        )
        return cur.rowcount

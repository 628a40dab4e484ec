"""PostGIS functions Django lacks, as ORM expressions (vector tiles, GeoJSON output)."""

from __future__ import annotations

from django.contrib.gis.db.models import GeometryField
from django.db.models import Func, Value
from django.db.models.fields import FloatField, IntegerField

WEB_MERCATOR_SRID = 3857


class TileEnvelope(Func):
    """ST_TileEnvelope(z, x, y[, margin]): an XYZ tile's square in EPSG:3857."""

    function = "ST_TileEnvelope"
    output_field = GeometryField(srid=WEB_MERCATOR_SRID)

    def __init__(self, z: int, x: int, y: int, margin: float | None = None):
        args = [Value(z, IntegerField()), Value(x, IntegerField()), Value(y, IntegerField())]
        if margin is not None:
            args.append(Value(margin, FloatField()))
        super().__init__(*args)

    def as_sql(self, compiler, connection, **extra):
        if len(self.source_expressions) == 4:  # the margin is a named argument only
            extra["template"] = "%(function)s(%(expressions)s)"
            sqls, params = [], []
            for arg in self.source_expressions:
                sql, p = compiler.compile(arg)
                sqls.append(sql)
                params.extend(p)
            return f"ST_TileEnvelope({sqls[0]}, {sqls[1]}, {sqls[2]}, margin => {sqls[3]})", params
        return super().as_sql(compiler, connection, **extra)


class Simplify(Func):
    """ST_Simplify(geom, tolerance in the geometry's units)."""

    function = "ST_Simplify"
    output_field = GeometryField(srid=WEB_MERCATOR_SRID)


class AsMVTGeom(Func):
    """ST_AsMVTGeom(geom in 3857, envelope, extent, buffer, clip): tile coordinates."""

    function = "ST_AsMVTGeom"
    output_field = GeometryField(srid=0)

    def __init__(self, geom, envelope, extent: int, buffer: int):
        super().__init__(
            geom,
            envelope,
            Value(extent, IntegerField()),
            Value(buffer, IntegerField()),
            Value(True),
        )


class ForcePolygonCCW(Func):
    """ST_ForcePolygonCCW(geom): exterior rings counter-clockwise, holes clockwise, as RFC 7946
    (GeoJSON) asks; points and lines are returned unchanged."""

    function = "ST_ForcePolygonCCW"
    output_field = GeometryField(srid=4326)

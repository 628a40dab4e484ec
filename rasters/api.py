"""Raster API v1: the list, the value under a point, zonal statistics, high nodes; overlay PNG
and its world file."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.desktop_auth import DESKTOP_AUTHENTICATION
from dataio.importing.raster_import import RasterFileMissing, raster_path
from layers.api_errors import error_body
from layers.api_tiles import JsonErrorsWhateverTheAccept
from layers.permissions import can_view_layer
from layers.registry import LAYERS
from network.models import SupplyZone
from rasters.models import RasterLayer
from rasters.overlay import hillshade_file, legend, overlay_file, overlay_grid_of, world_file
from rasters.selectors import (
    ReaderArea,
    nodes_above_source_head,
    raster_get,
    raster_list,
    raster_style,
    raster_value,
    raster_zonal,
    reader_area,
)

VIEW_PERMISSION = "rasters.view_rasterlayer"


def _raster_or_404(request, slug: str) -> RasterLayer:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied()
    try:
        return raster_get(slug)
    except RasterLayer.DoesNotExist:
        raise NotFound(_("Unknown raster layer %(slug)s.") % {"slug": slug}) from None


def _query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _version_query(layer: RasterLayer, area: ReaderArea | None) -> str:
    """The PNGs' query string: the data version, and the reader's area when clipped (the
    browser keeps each PNG a day under its URL, so another area's reader gets another URL)."""
    return f"?v={layer.data_version}" + (f"&a={area.key}" if area else "")


def raster_summary(layer: RasterLayer, area: ReaderArea | None = None) -> dict:
    """One raster layer as the API and the map page show it to a reader of `area` (None:
    unrestricted)."""
    grid = overlay_grid_of(layer)
    west, south, east, north = grid.bounds_4326
    slug = {"slug": layer.slug}
    return {
        "slug": layer.slug,
        "title": layer.title,
        "title_zh": layer.title_zh,
        "title_en": layer.title_en,
        "unit": layer.unit,
        "kind": layer.kind,
        "srid": layer.srid,
        "bounds": layer.bounds,
        "resolution": layer.resolution,
        "nodata": layer.nodata,
        "statistics": {k: v for k, v in layer.statistics.items() if k != "classes"},
        "source": layer.source,
        "data_version": layer.data_version,
        "opacity": raster_style(layer).get("opacity", 0.7),
        "legend": legend(layer),
        "overlay": {
            "url": reverse("raster-overlay", kwargs=slug) + _version_query(layer, area),
            "bounds": [[south, west], [north, east]],
            # the PNG's georeferencing in EPSG:3857 for desktop GIS (docs/desktop-clients.md)
            "world_file": reverse("raster-world-file", kwargs=slug),
        },
        # the terrain raster's hillshade: the map's offline basemap (same grid and bounds)
        "hillshade": _hillshade_url(layer, area),
        "links": {
            "value": reverse("rasters:raster-value", kwargs=slug),
            "zonal": reverse("rasters:raster-zonal", kwargs=slug),
        },
    }


def _hillshade_url(layer: RasterLayer, area: ReaderArea | None) -> str | None:
    """The hillshade's address for the terrain raster (HILLSHADE_RASTER) while its file is on
    disk; None otherwise (a missing file is reported by the raster's own reads, not by a
    basemap that cannot be drawn)."""
    if layer.slug != settings.HILLSHADE_RASTER:
        return None
    try:
        raster_path(layer)
    except RasterFileMissing:
        return None
    return reverse("raster-hillshade", kwargs={"slug": layer.slug}) + _version_query(layer, area)


class RasterListApi(APIView):
    """Every raster layer reaching the reader's area: slug, titles, unit, kind, CRS, bounds,
    statistics, legend, links (its PNGs clipped to the area)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied()
        area = reader_area()
        return Response({"rasters": [raster_summary(layer, area) for layer in raster_list()]})


class PointSerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180, help_text="longitude, EPSG:4326")
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="latitude, EPSG:4326")


class RasterValueApi(APIView):
    """The raster's value under a lon/lat point, with its unit (and class for land use)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[PointSerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request, slug: str):
        layer = _raster_or_404(request, slug)
        point = _query(PointSerializer, request)
        return Response(raster_value(layer, point["lon"], point["lat"]))


class ZonalSerializer(serializers.Serializer):
    layer = serializers.CharField(help_text="a polygon layer: towns, irrigation-districts, ...")
    code = serializers.CharField(required=False, max_length=32, help_text="one feature's code")


class RasterZonalApi(APIView):
    """Zonal statistics of the raster under the features of a polygon layer (or one feature)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[ZonalSerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request, slug: str):
        layer = _raster_or_404(request, slug)
        query = _query(ZonalSerializer, request)
        layer_slug = query["layer"]
        spec = LAYERS.get(layer_slug)
        if spec is None or spec.geometry_type != "Polygon":
            polygons = [s for s, sp in LAYERS.items() if sp.geometry_type == "Polygon"]
            raise ValidationError(
                {"layer": [_("One of the polygon layers: %(l)s.") % {"l": ", ".join(polygons)}]}
            )
        if not can_view_layer(request.user, layer_slug):
            raise PermissionDenied()
        results = raster_zonal(layer, layer_slug, query.get("code"))
        if query.get("code") and not results:
            raise NotFound(_("No feature %(code)s in %(layer)s.") % {**query})
        return Response(
            {
                "raster": layer.slug,
                "kind": layer.kind,
                "unit": layer.unit,
                "layer": layer_slug,
                "data_version": layer.data_version,
                "results": results,
            }
        )


class HighNodesSerializer(serializers.Serializer):
    zone = serializers.CharField(required=False, max_length=32, help_text="supply-zone code")
    head_m = serializers.FloatField(
        required=False, min_value=0, max_value=500, help_text="source head in m (default set)"
    )


class HighNodesApi(APIView):
    """Pipe nodes above their supply source's head (source elevation + head), for engineers."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[HighNodesSerializer, OpenApiParameter("zone", str)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        if not can_view_layer(request.user, "pipe-nodes"):
            raise PermissionDenied()
        query = _query(HighNodesSerializer, request)
        zone = query.get("zone")
        if zone and not SupplyZone.objects.filter(code=zone).exists():
            raise ValidationError({"zone": [_("Unknown supply zone %(code)s.") % {"code": zone}]})
        head = query.get("head_m", settings.NETWORK_SOURCE_HEAD_M)
        results = nodes_above_source_head(zone=zone, head_m=head)
        return Response(
            {"zone": zone, "head_m": head, "unit": "m", "count": len(results), "results": results}
        )


class RasterOverlayView(APIView):
    """The raster's coloured overlay (PNG, EPSG:3857 grid, bounds in the list API, world file
    at overlay.pgw), transparent outside the reader's area; 404 for a raster that does not
    reach it. A session or `Authorization: Token <key>` (token first: 401 to a client without
    either)."""

    authentication_classes = DESKTOP_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    content_negotiation_class = JsonErrorsWhateverTheAccept
    render = staticmethod(overlay_file)

    def layer(self, slug: str) -> RasterLayer:
        try:
            return raster_get(slug)
        except RasterLayer.DoesNotExist:
            raise Http404 from None

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request, slug: str):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise Http404
        layer = self.layer(slug)
        try:
            png = self.render(layer, reader_area())
        except RasterFileMissing as exc:
            return JsonResponse(
                error_body(503, exc.message, {"raster": exc.slug}, code=exc.code), status=503
            )
        response = FileResponse(png.open("rb"), content_type="image/png")
        # The URL carries the data version (?v=): a re-import changes the URL.
        response["Cache-Control"] = "private, max-age=86400"
        return response


class RasterHillshadeView(RasterOverlayView):
    """The terrain raster's hillshade (grey PNG on the overlay's grid): the offline basemap.
    Only the raster named by HILLSHADE_RASTER has one."""

    render = staticmethod(hillshade_file)

    def layer(self, slug: str) -> RasterLayer:
        if slug != settings.HILLSHADE_RASTER:
            raise Http404
        return super().layer(slug)


class RasterWorldFileView(RasterOverlayView):
    """The overlay PNG's world file (.pgw, ESRI): its pixel size and the centre of its top-left
    pixel in EPSG:3857 metres, so a desktop GIS places the downloaded PNG (no file read)."""

    @extend_schema(responses={(200, "text/plain"): OpenApiTypes.STR})
    def get(self, request, slug: str):
        if not request.user.has_perm(VIEW_PERMISSION):
            raise Http404
        layer = self.layer(slug)
        response = HttpResponse(world_file(layer), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{slug}-overlay.pgw"'
        response["Cache-Control"] = "private, max-age=60"
        return response

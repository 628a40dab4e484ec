"""Vector tile endpoint: GET /tiles/<slug>/<z>/<x>/<y>.pbf (Mapbox Vector Tile, EPSG:3857)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from accounts.authentication import CachedSessionMixin
from accounts.desktop_auth import DESKTOP_AUTHENTICATION
from layers.permissions import CanViewLayer
from layers.tile_cache import run_after_response
from layers.tiles import (
    MAX_ZOOM,
    tile_content,
    tile_out_of_range,
    tile_plan,
    tile_proxy_key,
    tiled_layers,
)

MVT = "application/vnd.mapbox-vector-tile"
# Tiles need a login: browsers may keep them a minute, shared caches never (the tile proxy
# keys them on the reader's scope: TileKeyApi).
BROWSER_MAX_AGE_S = 60
PROXY_KEY_HEADER = "X-Tile-Key"


class TileResponse(HttpResponse):
    """A tile's response, whose `after` calls (the shared cache's insert) run once the server
    has sent it: WSGI servers call close() after the last byte; so does Django's test client."""

    after: list | tuple = ()

    def close(self) -> None:
        try:
            run_after_response(self.after)
        finally:
            super().close()


class TileQuerySerializer(serializers.Serializer):
    """Query parameters of a tile."""

    year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="year of the `status` attribute (default: the latest evaluated)",
    )
    all = serializers.BooleanField(
        required=False, default=False, help_text="pipes: include abandoned segments"
    )


class JsonErrorsWhateverTheAccept(BaseContentNegotiation):
    """Tile clients may accept only MVT: errors are still rendered by the JSON renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


def tile_address_check(z: int, x: int, y: int) -> None:
    """ValidationError naming the first tile coordinate out of range (XYZ at zoom z)."""
    bad = tile_out_of_range(z, x, y)
    if bad == "z":
        raise ValidationError({"z": [_("Zoom from 0 to %(max)d.") % {"max": MAX_ZOOM}]})
    if bad is not None:
        raise ValidationError({bad: [_("From 0 to %(max)d at this zoom.") % {"max": 2**z - 1}]})


def not_modified(request, etag: str) -> bool:
    """True when If-None-Match names the ETag (weak comparison, RFC 9110 §13.1.2) or '*'."""
    wanted = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    return "*" in wanted or etag in (e.removeprefix("W/") for e in wanted)


class TileApi(CachedSessionMixin, APIView):
    """A Mapbox Vector Tile of a large layer: one MVT layer named after the slug.

    Tile coordinates follow the XYZ scheme in Web Mercator (EPSG:3857). Each feature's MVT id
    is its id in the layers API. Attributes: code, status (compliance verdict for `year`) and
    per layer: pipes diameter_mm (mm), material,
    pipe_status, install_year, version; pipe-nodes kind; water-users name, sector.
    An empty tile answers 204. Responses carry an ETag and honour If-None-Match (304).
    """

    # The token also as HTTP Basic's password: QGIS's vector tile layers before 3.26.
    authentication_classes = DESKTOP_AUTHENTICATION
    permission_classes = [IsAuthenticated, CanViewLayer]
    content_negotiation_class = JsonErrorsWhateverTheAccept

    @extend_schema(
        operation_id="tiles_retrieve",
        parameters=[
            TileQuerySerializer,
            OpenApiParameter("slug", str, OpenApiParameter.PATH, enum=list(tiled_layers())),
            OpenApiParameter("z", int, OpenApiParameter.PATH, description=f"zoom, 0–{MAX_ZOOM}"),
            OpenApiParameter("x", int, OpenApiParameter.PATH, description="column, 0 to 2^z−1"),
            OpenApiParameter("y", int, OpenApiParameter.PATH, description="row from the north"),
        ],
        responses={
            (200, MVT): OpenApiTypes.BINARY,
            204: OpenApiResponse(description="empty tile"),
            304: OpenApiResponse(description="not modified (If-None-Match)"),
        },
    )
    def get(self, request, slug: str, z: int, x: int, y: int) -> HttpResponse:
        if slug not in tiled_layers():
            raise NotFound(_("No vector tiles for layer %(slug)s.") % {"slug": slug})
        tile_address_check(z, x, y)
        query = TileQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        plan = tile_plan(
            slug,
            z,
            x,
            y,
            year=query.validated_data.get("year"),
            include_abandoned=query.validated_data["all"],
        )
        after: list = []
        if not_modified(request, plan.etag):
            response = TileResponse(status=304)
        else:
            content = tile_content(plan, after)
            if content:
                response = TileResponse(content, content_type=MVT)
            else:
                response = TileResponse(status=204)
        response.after = after
        if response.status_code != 200:
            del response["Content-Type"]
        response["ETag"] = plan.etag
        response[PROXY_KEY_HEADER] = plan.proxy_key
        patch_cache_control(response, private=True, max_age=BROWSER_MAX_AGE_S)
        return response


class TileKeyApi(CachedSessionMixin, APIView):
    """What a caching proxy keys this reader's tiles of a layer on, besides their URL: the
    tile format, the reader's area scope and the data versions (X-Tile-Key; 204, no body).

    The tile proxy (docker/proxy/nginx.conf, docs/scaling.md) asks it before serving a tile
    from its cache, for the tile's reader (their session cookie or token), and keeps the
    answer a second: a tile in its cache under the same key and URL is then served without
    the application. Every tile carries its own X-Tile-Key; the proxy keeps a tile only when
    the two agree. The same authentication and permission as the tiles.
    """

    authentication_classes = DESKTOP_AUTHENTICATION
    permission_classes = [IsAuthenticated, CanViewLayer]
    content_negotiation_class = JsonErrorsWhateverTheAccept

    @extend_schema(
        operation_id="tiles_key",
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, enum=list(tiled_layers())),
        ],
        responses={204: OpenApiResponse(description="the key, in the X-Tile-Key header")},
    )
    def get(self, request, slug: str) -> HttpResponse:
        if slug not in tiled_layers():
            raise NotFound(_("No vector tiles for layer %(slug)s.") % {"slug": slug})
        response = HttpResponse(status=204)
        del response["Content-Type"]
        response[PROXY_KEY_HEADER] = tile_proxy_key()
        patch_cache_control(response, private=True, no_store=True)
        return response

"""Endpoints for desktop and web map clients: TileJSON, the MapLibre style, the tile of every
readable tiled layer, and each layer's QGIS style (QML) and SLD.

GET /tiles/<slug>.json, /tiles/tilejson.json, /tiles/style.json, /tiles/all/<z>/<x>/<y>.pbf,
/styles/<slug>.qml, /styles/<slug>.sld — session or `Authorization: Token <key>`
(docs/desktop-clients.md).
"""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import CachedSessionMixin
from accounts.desktop_auth import DESKTOP_AUTHENTICATION
from accounts.scope import site_title
from layers.api_tiles import (
    BROWSER_MAX_AGE_S,
    MVT,
    JsonErrorsWhateverTheAccept,
    TileQuerySerializer,
    not_modified,
    tile_address_check,
)
from layers.limits import scope_extent_4326
from layers.permissions import CanViewLayer, can_view_layer
from layers.registry import LAYERS
from layers.spec import LayerSpec
from layers.style_export import layer_qml
from layers.style_sld import layer_sld
from layers.styles import compliance_style, paint_defaults, style_for
from layers.tilejson import ALL_LAYERS, maplibre_style, tilejson
from layers.tiles import tile_content, tile_plan, tiled_layers

QML = "application/xml"  # QGIS has no registered type for .qml; it is XML
SLD = "application/vnd.ogc.sld+xml"


class _DesktopApi(CachedSessionMixin, APIView):
    """Token first, so an anonymous client is told to authenticate (401, `WWW-Authenticate:
    Token`): desktop clients ask for credentials on a 401, not on a 403."""

    authentication_classes = DESKTOP_AUTHENTICATION


def english() -> bool:
    return (get_language() or "").startswith("en")


def style_title(style: dict) -> str:
    """A style document's title in the site language."""
    return style["title_en"] if english() else style["title_zh"]


def base_url(request) -> str:
    """scheme://host of this server as the client reached it."""
    return request.build_absolute_uri("/").rstrip("/")


def _tile_query(request) -> str:
    """The tile URLs' query string from this request's ?year= (checked as a tile's)."""
    query = TileQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    year = query.validated_data.get("year")
    return f"year={year}" if year else ""


def readable_tiled(user) -> list[LayerSpec]:
    """The tiled layers the user may read, in map order."""
    return [spec for slug, spec in tiled_layers().items() if can_view_layer(user, slug)]


def _tiled_spec(slug: str) -> LayerSpec:
    spec = tiled_layers().get(slug)
    if spec is None:
        raise NotFound(_("No vector tiles for layer %(slug)s.") % {"slug": slug})
    return spec


def _title_of(spec: LayerSpec) -> str:
    return style_title(style_for(spec.slug))


class LayerTileJsonApi(_DesktopApi):
    """TileJSON 3.0.0 of one tiled layer: absolute tile URL template, zooms, the county's
    bounds, the attributes its tiles carry. `?year=` is passed on to the tile URLs."""

    permission_classes = [IsAuthenticated, CanViewLayer]

    @extend_schema(
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, enum=list(tiled_layers())),
            OpenApiParameter("year", int, description="year of the tiles' `status`"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, slug: str):
        spec = _tiled_spec(slug)
        doc = tilejson(
            [spec],
            slug=slug,
            name=_title_of(spec),
            base_url=base_url(request),
            bounds=scope_extent_4326(),
            attribution=site_title(request),
            query=_tile_query(request),
            title_of=_title_of,
        )
        return Response(doc)


class AllTileJsonApi(_DesktopApi):
    """TileJSON 3.0.0 of every tiled layer the user may read, served together in one tile
    (/tiles/all/{z}/{x}/{y}.pbf, one MVT layer per slug)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="year of the tiles' `status`")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        doc = tilejson(
            readable_tiled(request.user),
            slug=ALL_LAYERS,
            name=site_title(request),
            base_url=base_url(request),
            bounds=scope_extent_4326(),
            attribution=site_title(request),
            query=_tile_query(request),
            title_of=_title_of,
        )
        return Response(doc)


class MapLibreStyleApi(_DesktopApi):
    """A MapLibre style document (version 8) drawing every readable tiled layer as the map
    does: rules of styles/<slug>.json, verdict looks of styles/compliance.json."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="year of the tiles' `status`")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        query = _tile_query(request)
        compliance = compliance_style()
        layers = []
        for spec in readable_tiled(request.user):
            style = style_for(spec.slug)
            layers.append((spec, style, compliance if style.get("verdicts") else None))
        url = f"{base_url(request)}/tiles/tilejson.json" + (f"?{query}" if query else "")
        doc = maplibre_style(
            layers,
            name=site_title(request),
            tilejson_url=url,
            bounds=scope_extent_4326(),
            defaults=paint_defaults(),
        )
        return Response(doc)


class AllTilesApi(_DesktopApi):
    """One Mapbox Vector Tile holding every tiled layer the user may read that is drawn at
    this zoom (an MVT layer per slug, each as /tiles/<slug>/… serves it). 204 when empty;
    ETag and If-None-Match (304) as the single-layer tiles."""

    permission_classes = [IsAuthenticated]
    content_negotiation_class = JsonErrorsWhateverTheAccept

    @extend_schema(
        operation_id="tiles_all_retrieve",
        parameters=[TileQuerySerializer],
        responses={
            (200, MVT): OpenApiTypes.BINARY,
            204: OpenApiResponse(description="empty tile"),
            304: OpenApiResponse(description="not modified (If-None-Match)"),
        },
    )
    def get(self, request, z: int, x: int, y: int) -> HttpResponse:
        tile_address_check(z, x, y)
        query = TileQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        plans = [
            tile_plan(
                spec.slug,
                z,
                x,
                y,
                year=query.validated_data.get("year"),
                include_abandoned=query.validated_data["all"],
            )
            for spec in readable_tiled(request.user)
            if z >= spec.tile.min_zoom
        ]
        digest = hashlib.sha256("|".join(p.etag for p in plans).encode()).hexdigest()[:32]
        etag = f'"{digest}"'
        if not_modified(request, etag):
            response = HttpResponse(status=304)
        else:
            # MVT layers are a repeated field: concatenated tiles are one tile with them all.
            content = b"".join(tile_content(plan) for plan in plans)
            response = (
                HttpResponse(content, content_type=MVT) if content else HttpResponse(status=204)
            )
        if response.status_code != 200:
            del response["Content-Type"]
        response["ETag"] = etag
        patch_cache_control(response, private=True, max_age=BROWSER_MAX_AGE_S)
        return response


class _StyleFileApi(_DesktopApi):
    """A layer's style as another renderer's file (attachment named <slug>.<suffix>)."""

    permission_classes = [IsAuthenticated, CanViewLayer]
    content_negotiation_class = JsonErrorsWhateverTheAccept
    suffix = ""
    content_type = ""

    def render_file(self, spec: LayerSpec, style: dict) -> str:
        raise NotImplementedError

    def get(self, request, slug: str) -> HttpResponse:
        spec = LAYERS.get(slug)
        if spec is None:
            raise NotFound(_("Unknown layer %(slug)s.") % {"slug": slug})
        text = self.render_file(spec, style_for(slug))
        response = HttpResponse(text.encode("utf-8"), content_type=self.content_type)
        response["Content-Disposition"] = f'attachment; filename="{slug}.{self.suffix}"'
        patch_cache_control(response, private=True, max_age=BROWSER_MAX_AGE_S)
        return response


class LayerQmlApi(_StyleFileApi):
    """The layer's QGIS style (QML): a rule-based renderer, one rule per style rule, labels in
    the site language, drawn exactly as the map by data-defined expressions."""

    suffix = "qml"
    content_type = f"{QML}; charset=utf-8"

    @extend_schema(responses={(200, QML): OpenApiTypes.STR})
    def get(self, request, slug: str) -> HttpResponse:
        return super().get(request, slug)

    def render_file(self, spec: LayerSpec, style: dict) -> str:
        compliance = compliance_style() if style.get("verdicts") else None
        return layer_qml(spec, style, compliance, paint_defaults(), english=english())


class LayerSldApi(_StyleFileApi):
    """The layer's style as OGC SLD 1.1 / Symbology Encoding 1.1: one rule per style rule."""

    suffix = "sld"
    content_type = f"{SLD}; charset=utf-8"

    @extend_schema(responses={(200, SLD): OpenApiTypes.STR})
    def get(self, request, slug: str) -> HttpResponse:
        return super().get(request, slug)

    def render_file(self, spec: LayerSpec, style: dict) -> str:
        return layer_sld(spec, style, paint_defaults(), english=english())

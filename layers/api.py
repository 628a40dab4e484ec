"""Read API v1 for the layers: the layer list, feature pages (GeoJSON) and feature detail."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import CachedSessionMixin
from layers.extensions import FeatureQuery
from layers.permissions import CanViewLayer, can_view_layer
from layers.registry import LAYERS
from layers.selectors import MAX_PAGE_SIZE, feature_search, layer_counts
from layers.selectors_features import (
    ALL,
    LEAN,
    FeaturePage,
    PropertySet,
    feature_detail,
    feature_page,
    feature_property_names,
)
from layers.status import VerdictStatus

GEOJSON = "application/geo+json"


class GeoJSONRenderer(JSONRenderer):
    """Lets a client ask for `Accept: application/geo+json` (the features are GeoJSON)."""

    media_type = GEOJSON
    format = "geojson"


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """'minlon,minlat,maxlon,maxlat' → a tuple, or ValidationError naming the parameter."""
    if raw in (None, ""):
        return None
    parts = raw.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValidationError({"bbox": [_("Four numbers: minlon,minlat,maxlon,maxlat.")]})
    minx, miny, maxx, maxy = values
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise ValidationError(
            {"bbox": [_("Longitudes within ±180 and latitudes within ±90, minimum below maximum.")]}
        )
    return values


# A keyset cursor is the id of the last feature of the page before (a bigint).
_CURSOR_DIGITS = 19


class FeatureQuerySerializer(serializers.Serializer):
    """Query parameters of a feature page."""

    bbox = serializers.CharField(
        required=False, max_length=200, help_text="minlon,minlat,maxlon,maxlat (EPSG:4326)"
    )
    cursor = serializers.CharField(
        required=False,
        max_length=_CURSOR_DIGITS,
        help_text="where the page starts: the cursor of the previous page's links.next "
        "(keyset paging, the default; opaque)",
    )
    # max: the row offset must fit PostgreSQL's bigint
    page = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text="page number (OFFSET paging: slower the deeper; links.next uses cursor)",
    )
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=500
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text="features per page (instead of page_size), as OGC API clients send it",
    )
    offset = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=1_000_000_000,
        help_text="features skipped, with limit (OFFSET paging: slower the deeper)",
    )
    properties = serializers.CharField(
        required=False,
        max_length=1000,
        help_text="'all', or property names separated by commas (default: the layer's own "
        "attributes and compliance.status)",
    )
    year = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="year of the verdicts (default: the latest evaluated)",
    )
    status = serializers.ChoiceField(
        required=False,
        choices=VerdictStatus.values,
        help_text="only features with this overall verdict",
    )
    exact_count = serializers.BooleanField(
        required=False,
        default=False,
        help_text="count every match (one more query); otherwise count is given only when "
        "the answer is a single page, null else",
    )

    def validate_cursor(self, value: str) -> int:
        if not value.isascii() or not value.isdigit() or int(value) > 2**63 - 1:
            raise ValidationError(_("Not a cursor of this list: follow links.next."))
        return int(value)

    def validate(self, attrs):
        given = set(self.initial_data)
        if given & {"limit", "offset"} and given & {"page", "page_size"}:
            raise ValidationError(
                {"limit": [_("Page with either page and page_size or limit and offset.")]}
            )
        if "cursor" in given and given & {"page", "offset"}:
            raise ValidationError({"cursor": [_("Page with one of cursor, page or offset.")]})
        return attrs

    def paging(self) -> Paging:
        v = self.validated_data
        size = v.get("limit", v["page_size"])
        if "page" in v:
            return Paging("page", size, offset=(v["page"] - 1) * size, page=v["page"])
        if "offset" in v:
            return Paging("offset", size, offset=v["offset"])
        return Paging("cursor", size, after_id=v.get("cursor"), by_limit="limit" in v)


@dataclass(frozen=True)
class Paging:
    """Where a page of features starts: after a keyset cursor (the default: the first page
    without one), or at a page number or row offset (OFFSET: kept for clients that count
    pages, as OGC API clients and some GIS tools do)."""

    mode: str  # "cursor" | "page" | "offset"
    size: int
    offset: int = 0
    page: int | None = None
    after_id: int | None = None
    by_limit: bool = False  # the size was given as limit (echoed back as limit)


def properties_asked(spec, raw: str | None) -> PropertySet:
    """The property set a request asks for: LEAN (none given), ALL, or a tuple of names of
    the full set; ValidationError naming `properties` otherwise."""
    if raw in (None, ""):
        return LEAN
    if raw == ALL:
        return ALL
    names = tuple(dict.fromkeys(n.strip() for n in raw.split(",") if n.strip()))
    known = feature_property_names(spec)
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValidationError(
            {
                "properties": [
                    _("Unknown properties: %(names)s. Ask for all or some of: %(known)s.")
                    % {"names": ", ".join(unknown) or "—", "known": ", ".join(known)}
                ]
            }
        )
    return names


class FeatureDetailQuerySerializer(serializers.Serializer):
    """Query parameters of one feature."""

    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


def _layer_or_404(slug: str):
    if slug not in LAYERS:
        raise NotFound(_("Unknown layer %(slug)s.") % {"slug": slug})
    return LAYERS[slug]


class LayerListApi(APIView):
    """Every layer the user may read: slug, title, geometry type, count, links."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        counts = layer_counts()
        layers = []
        for slug, spec in LAYERS.items():
            if not can_view_layer(request.user, slug):
                continue
            features = reverse("layers:feature-list", kwargs={"slug": slug})
            layers.append(
                {
                    "slug": slug,
                    "title": str(spec.title),
                    "geometry_type": spec.geometry_type,
                    "count": counts.get(slug, 0),
                    "style": f"/static/styles/{slug}.json",
                    "links": {"features": request.build_absolute_uri(features)},
                }
            )
        return Response({"layers": layers})


class FeatureListApi(CachedSessionMixin, APIView):
    """A page of a layer's features as a GeoJSON FeatureCollection (lon/lat)."""

    permission_classes = [IsAuthenticated, CanViewLayer]
    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    @extend_schema(
        operation_id="layers_features_list",
        parameters=[
            FeatureQuerySerializer,
            OpenApiParameter("slug", str, OpenApiParameter.PATH, enum=list(LAYERS)),
        ],
        responses={(200, GEOJSON): OpenApiTypes.OBJECT},
    )
    def get(self, request, slug: str):
        spec = _layer_or_404(slug)
        query = FeatureQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return feature_list_response(request, slug, spec, query)


def feature_list_response(request, slug: str, spec, query: FeatureQuerySerializer) -> HttpResponse:
    """The page a validated feature query asks for, as a GeoJSON FeatureCollection."""
    v = query.validated_data
    paging = query.paging()
    result = feature_page(
        spec,
        bbox_4326=parse_bbox(v.get("bbox")),
        page_size=paging.size,
        after_id=paging.after_id,
        offset=paging.offset,
        query=FeatureQuery(year=v.get("year"), status=v.get("status")),
        properties=properties_asked(spec, v.get("properties")),
        exact_count=v["exact_count"],
    )
    return feature_collection_response(request, slug, paging, result)


def feature_collection_response(
    request, slug: str, paging: Paging, result: FeaturePage
) -> HttpResponse:
    """The FeatureCollection of a page: count (null when not counted), where the page starts
    (as the request gave it), links (next: a keyset cursor, unless the request paged by page
    or offset), the verdicts' year and freshness (lean pages), the features."""
    links = {}
    size_name = "limit" if paging.by_limit or paging.mode == "offset" else "page_size"
    where = f'"{size_name}":{paging.size}'
    if paging.mode == "page":
        where = f'"page":{paging.page},{where}'
        if result.has_next:
            links["next"] = _page_url(request, page=paging.page + 1)
        if paging.page > 1:
            links["prev"] = _page_url(request, page=paging.page - 1)
    elif paging.mode == "offset":
        where = f'"offset":{paging.offset},{where}'
        if result.has_next:
            links["next"] = _page_url(request, offset=paging.offset + paging.size)
        if paging.offset > 0:
            links["prev"] = _page_url(request, offset=max(0, paging.offset - paging.size))
    else:
        if paging.after_id is not None:
            where = f'"cursor":"{paging.after_id}",{where}'
        if result.has_next:
            links["next"] = _page_url(request, cursor=result.last_id)
    verdicts = ""
    if result.verdicts is not None:
        v = result.verdicts
        verdicts = _json({"year": v.year, "fresh": v.fresh, "evaluated_at": v.evaluated_at})
        verdicts = f'"compliance":{verdicts},'
    head = (
        f'{{"type":"FeatureCollection","layer":"{slug}","count":{_json(result.count)},'
        f'"count_exact":{_json(result.count is not None)},{where},'
        f'"links":{_json(links)},{verdicts}"features":'
    )
    return HttpResponse(head + result.features_json + "}", content_type=GEOJSON)


class FeatureDetailApi(CachedSessionMixin, APIView):
    """One feature of a layer as a GeoJSON Feature."""

    permission_classes = [IsAuthenticated, CanViewLayer]
    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    @extend_schema(
        parameters=[
            FeatureDetailQuerySerializer,
            OpenApiParameter("slug", str, OpenApiParameter.PATH, enum=list(LAYERS)),
        ],
        responses={(200, GEOJSON): OpenApiTypes.OBJECT},
    )
    def get(self, request, slug: str, feature_id: int):
        spec = _layer_or_404(slug)
        query = FeatureDetailQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        text = feature_detail(spec, feature_id, FeatureQuery(year=query.validated_data.get("year")))
        if text is None:
            raise NotFound(_("No such feature."))
        return HttpResponse(text, content_type=GEOJSON)


def _page_url(request, **at: int) -> str:
    params = request.query_params.copy()
    for name, value in at.items():
        params[name] = str(value)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(min_length=1, max_length=64, trim_whitespace=True)


class FeatureSearchApi(APIView):
    """Features whose code or name contains `q`, across the layers the user may read."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[SearchQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slugs = [slug for slug in LAYERS if can_view_layer(request.user, slug)]
        return Response({"results": feature_search(query.validated_data["q"], slugs)})

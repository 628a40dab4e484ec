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
from layers.selectors import (
    MAX_PAGE_SIZE,
    FeaturePage,
    feature_detail,
    feature_page,
    feature_search,
    layer_counts,
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


class FeatureQuerySerializer(serializers.Serializer):
    """Query parameters of a feature page."""

    bbox = serializers.CharField(
        required=False, help_text="minlon,minlat,maxlon,maxlat (EPSG:4326)"
    )
    # max: the row offset must fit PostgreSQL's bigint
    page = serializers.IntegerField(required=False, min_value=1, max_value=1_000_000, default=1)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=500
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text="features per page, with offset (instead of page and page_size)",
    )
    offset = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=1_000_000_000,
        help_text="features skipped, with limit (instead of page and page_size)",
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
        help_text="count every match exactly (by default a large count is PostgreSQL's "
        "estimate, flagged by count_exact: false)",
    )

    def validate(self, attrs):
        given = set(self.initial_data)
        if given & {"limit", "offset"} and given & {"page", "page_size"}:
            raise ValidationError(
                {"limit": [_("Page with either page and page_size or limit and offset.")]}
            )
        return attrs

    def paging(self) -> Paging:
        v = self.validated_data
        if "limit" in v or "offset" in v:
            size = v.get("limit", v["page_size"])
            return Paging(offset=v.get("offset", 0), size=size, page=None)
        return Paging(offset=(v["page"] - 1) * v["page_size"], size=v["page_size"], page=v["page"])


@dataclass(frozen=True)
class Paging:
    """Where a page of features starts: our own page/page_size, or limit/offset as OGC API and
    most GIS clients send them (page None)."""

    offset: int
    size: int
    page: int | None


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
        bbox = parse_bbox(query.validated_data.get("bbox"))
        paging = query.paging()
        extra = FeatureQuery(
            year=query.validated_data.get("year"), status=query.validated_data.get("status")
        )
        result = feature_page(
            spec,
            bbox_4326=bbox,
            offset=paging.offset,
            page_size=paging.size,
            query=extra,
            exact_count=query.validated_data["exact_count"],
        )
        return feature_collection_response(request, slug, paging, result)


def feature_collection_response(
    request, slug: str, paging: Paging, result: FeaturePage
) -> HttpResponse:
    """The FeatureCollection of a page: count (exact or estimated), where the page starts
    (page and page_size, or offset and limit as the request gave it), links, features."""
    links = {}
    if paging.page is not None:
        where = f'"page":{paging.page},"page_size":{paging.size}'
        if result.has_next:
            links["next"] = _page_url(request, page=paging.page + 1)
        if paging.page > 1:
            links["prev"] = _page_url(request, page=paging.page - 1)
    else:
        where = f'"offset":{paging.offset},"limit":{paging.size}'
        if result.has_next:
            links["next"] = _page_url(request, offset=paging.offset + paging.size)
        if paging.offset > 0:
            links["prev"] = _page_url(request, offset=max(0, paging.offset - paging.size))
    head = (
        f'{{"type":"FeatureCollection","layer":"{slug}","count":{result.count},'
        f'"count_exact":{_json(result.count_exact)},{where},'
        f'"links":{_json(links)},"features":'
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

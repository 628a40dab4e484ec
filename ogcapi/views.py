"""The OGC API – Features endpoints under /ogcapi: reads of every layer the user may read
(Part 1, Part 2 CRS, queryables) and the writes of Part 4 for pipes and pipe nodes.

Authentication as the layers API (a session, or `Authorization: Token <key>`; anonymous
requests get 401 with `WWW-Authenticate: Token`), the same read permission per layer, the
same features. Answers are JSON (GeoJSON for features) or HTML, chosen by `f` or Accept.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.exceptions import MethodNotAllowed, NotFound, PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from accounts.authentication import CachedSessionMixin
from accounts.desktop_auth import DESKTOP_AUTHENTICATION
from accounts.scope import site_title
from layers.permissions import can_view_layer
from layers.registry import LAYERS
from ogcapi import documents, writes
from ogcapi.crs import OgcCrs
from ogcapi.params import (
    ITEM_PARAMS,
    ITEMS_PARAMS,
    bbox_param,
    crs_param,
    datetime_param,
    limit_param,
    offset_param,
    output_format,
    property_filters,
    unknown_check,
)
from ogcapi.selectors import (
    WRITABLE,
    collection_spec,
    collections_readable,
    item_json,
    items_page,
    queryable_attrs,
)

GEOJSON = documents.GEOJSON


class GeoJSONParser(JSONParser):
    media_type = "application/geo+json"


class MergePatchParser(JSONParser):
    media_type = "application/merge-patch+json"


def json_response(data, content_type: str = "application/json", status: int = 200):
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type=content_type)


class OgcApiView(CachedSessionMixin, APIView):
    """Shared ground: authentication (token first, so an anonymous request is told to
    authenticate: 401), no DRF content negotiation (the views choose JSON or HTML
    themselves; errors are JSON), the base URL and the collection lookup."""

    schema = None  # described by its own OpenAPI document (/ogcapi/api), not /api/v1/schema/

    authentication_classes = DESKTOP_AUTHENTICATION
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, GeoJSONParser, MergePatchParser]
    params = frozenset({"f"})

    def perform_content_negotiation(self, request, force=False):
        return (JSONRenderer(), "application/json")

    def base(self) -> str:
        return self.request.build_absolute_uri(reverse("ogcapi:landing")).rstrip("/")

    def collection(self, slug: str):
        if slug not in LAYERS:
            raise NotFound(_("Unknown collection %(id)s.") % {"id": slug})
        if not can_view_layer(self.request.user, slug):
            raise PermissionDenied()
        return collection_spec(slug)

    def page(self, title: str, **context) -> HttpResponse:
        return render(self.request._request, "ogcapi/page.html", {"title": title, **context})

    def can_edit(self) -> bool:
        return self.request.user.has_perm("network.change_pipesegment")


class LandingApi(OgcApiView):
    def get(self, request):
        unknown_check(request.query_params, self.params)
        fmt = output_format(request)
        doc = documents.landing(self.base(), fmt, site_title(request))
        if fmt == "html":
            return self.page(doc["title"], description=doc["description"], links=doc["links"])
        return json_response(doc)


class ConformanceApi(OgcApiView):
    def get(self, request):
        unknown_check(request.query_params, self.params)
        doc = documents.conformance()
        if output_format(request) == "html":
            rows = [[uri] for uri in doc["conformsTo"]]
            return self.page(_("Conformance classes"), headers=[_("Class")], rows=rows)
        return json_response(doc)


class ApiDefinitionApi(OgcApiView):
    """The OpenAPI 3.0 definition (JSON only)."""

    def get(self, request):
        unknown_check(request.query_params, self.params)
        output_format(request, html=False)
        specs = [LAYERS[s] for s in collections_readable(request.user)]
        doc = documents.openapi(self.base(), specs, self.can_edit(), site_title(request))
        return json_response(doc, documents.OPENAPI)


class CollectionsApi(OgcApiView):
    def get(self, request):
        unknown_check(request.query_params, self.params)
        fmt = output_format(request)
        specs = [collection_spec(s) for s in collections_readable(request.user)]
        doc = documents.collections(self.base(), specs, fmt)
        if fmt == "html":
            rows = [
                [
                    {"href": f"{self.base()}/collections/{c['id']}?f=html", "text": c["title"]},
                    c["id"],
                ]
                for c in doc["collections"]
            ]
            return self.page(
                _("Collections"), headers=[_("Title"), _("Id")], rows=rows, links=doc["links"]
            )
        return json_response(doc)


class CollectionApi(OgcApiView):
    def get(self, request, slug: str):
        spec = self.collection(slug)
        unknown_check(request.query_params, self.params)
        fmt = output_format(request)
        doc = documents.collection(self.base(), spec, fmt)
        if fmt == "html":
            rows = [[c] for c in doc["crs"]]
            return self.page(
                doc["title"],
                description=doc["description"],
                headers=[_("Coordinate reference systems")],
                rows=rows,
                links=doc["links"],
            )
        return json_response(doc)


class QueryablesApi(OgcApiView):
    def get(self, request, slug: str):
        spec = self.collection(slug)
        unknown_check(request.query_params, self.params)
        output_format(request, html=False)
        return json_response(documents.queryables(self.base(), spec), documents.SCHEMA_JSON)


def _with_crs(response: HttpResponse, crs: OgcCrs) -> HttpResponse:
    response["Content-Crs"] = crs.header
    return response


class ItemsApi(OgcApiView):
    """GET a page of features; POST a new one (pipes and pipe nodes, engineers)."""

    write_methods = ("POST",)

    @property
    def allowed_methods(self):
        """GET, HEAD, OPTIONS, and the writes once the user is known to be an editor of a
        writable collection (DRF reads this before authenticating: never authenticate here)."""
        methods = ["GET", "HEAD", "OPTIONS"]
        slug = getattr(self, "kwargs", {}).get("slug")
        user = getattr(getattr(self, "request", None), "_user", None)
        if slug in WRITABLE and user is not None and user.has_perm("network.change_pipesegment"):
            methods += self.write_methods
        return methods

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Allow"] = ", ".join(self.allowed_methods)  # now that the user is known
        return response

    def get(self, request, slug: str):
        spec = self.collection(slug)
        query = request.query_params
        attrs = queryable_attrs(spec)
        unknown_check(query, ITEMS_PARAMS | {a.name for a in attrs})
        fmt = output_format(request)
        limit, offset = limit_param(query), offset_param(query)
        bbox = bbox_param(query)
        crs = crs_param(query)
        datetime_param(query)
        filters = property_filters(query, attrs)
        page = items_page(
            spec, bbox_4326=bbox, filters=filters, limit=limit, offset=offset, crs=crs
        )
        url = f"{self.base()}/collections/{spec.slug}/items"
        links = self._links(url, fmt, limit, offset, page.has_next)
        if fmt == "html":
            return _with_crs(self._html(spec, page, links, offset), crs)
        head = {
            "type": "FeatureCollection",
            "links": links,
            "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "numberReturned": page.returned,
        }
        if page.matched is not None:
            head["numberMatched"] = page.matched
        text = json.dumps(head, ensure_ascii=False)[:-1] + ',"features":' + page.features_json
        return _with_crs(json_response(text + "}", GEOJSON), crs)

    def _links(self, url: str, fmt: str, limit: int, offset: int, has_next: bool) -> list[dict]:
        params = {k: v for k, v in self.request.query_params.items() if k not in ("offset", "f")}
        params["limit"] = str(limit)

        def href(new_offset: int | None, kind: str) -> str:
            found = dict(params)
            if new_offset:
                found["offset"] = str(new_offset)
            elif "offset" in self.request.query_params and new_offset is None:
                found["offset"] = str(offset)
            found["f"] = kind
            return f"{url}?{urlencode(found)}"

        types = {"json": GEOJSON, "html": documents.HTML}
        other = "html" if fmt == "json" else "json"
        links = [
            documents.link(href(None, fmt), "self", types[fmt], _("This page")),
            documents.link(href(None, other), "alternate", types[other], _("This page")),
            documents.link(
                f"{self.base()}/collections/{self.kwargs['slug']}",
                "collection",
                "application/json",
                _("The collection"),
            ),
        ]
        if has_next:
            links.append(
                documents.link(href(offset + limit, fmt), "next", types[fmt], _("Next page"))
            )
        if offset > 0:
            links.append(
                documents.link(
                    href(max(0, offset - limit), fmt), "prev", types[fmt], _("Previous page")
                )
            )
        return links

    def _html(self, spec, page, links, offset: int) -> HttpResponse:
        features = json.loads(page.features_json)
        names = list(features[0]["properties"]) if features else []
        names = [n for n in names if n != "compliance"]
        url = f"{self.base()}/collections/{spec.slug}/items"
        rows = [
            [
                {"href": f"{url}/{f['id']}?f=html", "text": f["id"]},
                *(("" if f["properties"].get(n) is None else f["properties"][n]) for n in names),
            ]
            for f in features
        ]
        summary = _("Features %(first)s to %(last)s of %(matched)s.") % {
            "first": offset + 1 if page.returned else 0,
            "last": offset + page.returned,
            "matched": page.matched if page.matched is not None else "?",
        }
        return self.page(
            str(spec.title), summary=summary, headers=["id", *names], rows=rows, links=links
        )

    def post(self, request, slug: str):
        spec = self.collection(slug)
        self._writable(spec)
        unknown_check(request.query_params, frozenset())
        return writes.item_create(self, spec)

    def _writable(self, spec) -> None:
        if spec.slug not in WRITABLE:
            raise MethodNotAllowed(self.request.method)
        if not self.can_edit():
            raise PermissionDenied()

    def handle_exception(self, exc):
        return writes.network_error_response(exc) or super().handle_exception(exc)


class ItemApi(ItemsApi):
    """GET one feature (ETag: its version for pipes and nodes); PUT, PATCH, DELETE."""

    # PATCH is served as well (If-Match or properties.version required), but not advertised:
    # clients that find the methods by OPTIONS (QGIS) would send merge patches without the
    # version they read; with PUT they send the whole feature, its version included
    # (docs/ogcapi.md).
    write_methods = ("PUT", "DELETE")

    def get(self, request, slug: str, feature_id: int):
        spec = self.collection(slug)
        unknown_check(request.query_params, ITEM_PARAMS)
        fmt = output_format(request)
        crs = crs_param(request.query_params)
        pk = feature_id
        text = item_json(spec, pk, crs)
        if text is None:
            raise NotFound(
                _("No feature %(id)s in %(collection)s.")
                % {"id": feature_id, "collection": spec.slug}
            )
        feature = json.loads(text)
        url = f"{self.base()}/collections/{spec.slug}/items/{pk}"
        other = "html" if fmt == "json" else "json"
        types = {"json": GEOJSON, "html": documents.HTML}
        feature["links"] = [
            documents.link(f"{url}?f={fmt}", "self", types[fmt], _("This feature")),
            documents.link(f"{url}?f={other}", "alternate", types[other], _("This feature")),
            documents.link(
                f"{self.base()}/collections/{spec.slug}",
                "collection",
                "application/json",
                _("The collection"),
            ),
        ]
        if fmt == "html":
            props = feature["properties"]
            rows = [
                [
                    k,
                    ""
                    if v is None
                    else (json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v),
                ]
                for k, v in props.items()
            ]
            rows.append([_("geometry"), json.dumps(feature["geometry"])[:2000]])
            response = self.page(
                f"{spec.title} {pk}",
                headers=[_("Property"), _("Value")],
                rows=rows,
                links=feature["links"],
            )
        else:
            response = json_response(feature, GEOJSON)
        version = feature["properties"].get("version") if spec.slug in WRITABLE else None
        if version is not None:
            response["ETag"] = f'"{version}"'
        return _with_crs(response, crs)

    def post(self, request, slug: str, feature_id: int):
        raise MethodNotAllowed(request.method)

    def put(self, request, slug: str, feature_id: int):
        spec = self.collection(slug)
        self._writable(spec)
        unknown_check(request.query_params, frozenset())
        return writes.item_replace(self, spec, feature_id)

    def patch(self, request, slug: str, feature_id: int):
        spec = self.collection(slug)
        self._writable(spec)
        unknown_check(request.query_params, frozenset())
        return writes.item_update(self, spec, feature_id)

    def delete(self, request, slug: str, feature_id: int):
        spec = self.collection(slug)
        self._writable(spec)
        unknown_check(request.query_params, frozenset())
        return writes.item_delete(self, spec, feature_id)

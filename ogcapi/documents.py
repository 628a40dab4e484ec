"""The OGC API's JSON documents: landing page, conformance, collections, queryables and the
OpenAPI 3.0 definition (17-069r4 §7.2–7.14, 18-058r1 §6, Part 3 queryables)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from layers.limits import scope_extent_4326
from layers.registry import LayerSpec
from ogcapi.crs import CRS84, crs_offered
from ogcapi.params import DEFAULT_LIMIT, MAX_LIMIT
from ogcapi.selectors import WRITABLE, queryable_attrs

OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"

_F1 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
_F4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
# Only what is implemented (issue 18): Part 1 core/GeoJSON/HTML/OpenAPI, Part 2 CRS, the
# queryables of Part 3 (not its filter language), Part 4 create/replace/delete and update.
CONFORMANCE = (
    _F1 + "core",
    _F1 + "geojson",
    _F1 + "html",
    _F1 + "oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    _F4 + "create-replace-delete",
    _F4 + "update",
    _F4 + "features",
)


def link(href: str, rel: str, type_: str, title: str = "") -> dict:
    found = {"href": href, "rel": rel, "type": type_}
    if title:
        found["title"] = title
    return found


def alternates(url: str, current: str, kinds: tuple[str, ...] = ("json", "html")) -> list[dict]:
    """self and alternate links of a resource in its JSON and HTML forms."""
    types = {"json": JSON, "geojson": GEOJSON, "html": HTML}
    return [
        link(
            f"{url}?f={kind}" if kind != "geojson" else f"{url}?f=json",
            "self" if kind == current else "alternate",
            types[kind],
            _("This document") if kind == current else _("This document as %(f)s") % {"f": kind},
        )
        for kind in kinds
    ]


def landing(base: str, current: str, site: str) -> dict:
    """The landing page; `site`: the site's title for the reader (accounts.scope.site_title)."""
    return {
        "title": _("%(site)s: OGC API – Features") % {"site": site},
        "description": _(
            "The county water bureau's layers (towns, water-function zones, irrigation "
            "districts, supply zones, the pipe network, sewage plants, water users) as OGC API "
            "– Features. Pipes and pipe nodes can be edited by engineers."
        ),
        "links": [
            *alternates(base, current),
            link(f"{base}/api", "service-desc", OPENAPI, _("The API definition (OpenAPI 3.0)")),
            link(f"{base}/conformance", "conformance", JSON, _("Conformance classes")),
            link(f"{base}/conformance", OGC_REL + "conformance", JSON, _("Conformance classes")),
            link(f"{base}/collections", "data", JSON, _("Collections")),
            link(f"{base}/collections", OGC_REL + "data", JSON, _("Collections")),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": list(CONFORMANCE)}


def _extent() -> dict | None:
    box = scope_extent_4326()
    if box is None:
        return None
    return {"spatial": {"bbox": [list(box)], "crs": CRS84}}


_UNSET = object()


def collection(base: str, spec: LayerSpec, current: str = "json", extent=_UNSET) -> dict:
    """A collection's description; `extent` passed in when describing many (one query)."""
    url = f"{base}/collections/{spec.slug}"
    found = {
        "id": spec.slug,
        "title": str(spec.title),
        "description": _("%(title)s: %(kind)s features, ids as in the layers API.")
        % {"title": spec.title, "kind": spec.geometry_type},
        "itemType": "feature",
        "links": [
            *alternates(url, current),
            link(f"{url}/items", "items", GEOJSON, _("The features (GeoJSON)")),
            link(f"{url}/items?f=html", "items", HTML, _("The features (HTML)")),
            link(f"{url}/queryables", OGC_REL + "queryables", SCHEMA_JSON, _("Queryables")),
        ],
        "crs": [c.uri for c in crs_offered()],
        "storageCrs": CRS84,
    }
    if extent is _UNSET:
        extent = _extent()
    if extent is not None:
        found["extent"] = extent
    return found


def collections(base: str, specs: list[LayerSpec], current: str) -> dict:
    extent = _extent()
    items = [collection(base, spec, extent=extent) for spec in specs]
    return {
        "links": alternates(f"{base}/collections", current),
        "collections": items,
        "crs": [c.uri for c in crs_offered()],
    }


_JSON_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_GEOMETRY = {
    "Point": "https://geojson.org/schema/Point.json",
    "LineString": "https://geojson.org/schema/LineString.json",
    "Polygon": "https://geojson.org/schema/MultiPolygon.json",
}


def queryables(base: str, spec: LayerSpec) -> dict:
    """The collection's queryables as a JSON Schema (Part 3, /req/queryables)."""
    properties: dict = {}
    for attr in queryable_attrs(spec):
        schema: dict = {"title": attr.name, "type": _JSON_TYPES[attr.kind]}
        if attr.choices:
            schema["enum"] = list(attr.choices)
        if attr.min_value is not None:
            schema["minimum"] = attr.min_value
        if attr.max_value is not None:
            schema["maximum"] = attr.max_value
        properties[attr.name] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/collections/{spec.slug}/queryables",
        "type": "object",
        "title": str(spec.title),
        "properties": properties,
        "additionalProperties": False,
    }


def _param(name: str, description: str, schema: dict, *, style: bool = True) -> dict:
    found = {"name": name, "in": "query", "required": False, "description": description}
    if style:
        found |= {"style": "form", "explode": False}
    found["schema"] = schema
    return found


def openapi(base: str, specs: list[LayerSpec], user_can_edit: bool, site: str) -> dict:
    """The OpenAPI 3.0 definition of the service as this user sees it."""
    crs_enum = [c.uri for c in crs_offered()]
    error = {"$ref": "#/components/responses/Error"}
    feature = {"$ref": "#/components/schemas/Feature"}
    parameters = {
        "f": _param("f", "json (GeoJSON) or html", {"type": "string", "enum": ["json", "html"]}),
        "limit": _param(
            "limit",
            f"Features per page (larger values are served as {MAX_LIMIT}).",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        "offset": _param(
            "offset",
            "Features skipped (the next links carry it).",
            {"type": "integer", "minimum": 0, "default": 0},
        ),
        "bbox": _param(
            "bbox",
            "Lower corner, upper corner in the axis order of bbox-crs (4 or 6 numbers).",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        ),
        "bbox-crs": _param(
            "bbox-crs",
            "CRS of bbox (default CRS84).",
            {"type": "string", "format": "uri", "enum": crs_enum},
        ),
        "crs": _param(
            "crs",
            "CRS of the answer (default CRS84).",
            {"type": "string", "format": "uri", "enum": crs_enum},
        ),
        "datetime": _param(
            "datetime",
            "Checked and accepted; no collection has a temporal extent, so it filters nothing.",
            {"type": "string"},
        ),
        "collectionId": {
            "name": "collectionId",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": [s.slug for s in specs]},
        },
        "featureId": {
            "name": "featureId",
            "in": "path",
            "required": True,
            "schema": {"type": "integer"},
        },
        "If-Match": {
            "name": "If-Match",
            "in": "header",
            "required": False,
            "description": 'The ETag read ("<version>"); 412 when stale.',
            "schema": {"type": "string"},
        },
    }
    refs = {name: {"$ref": f"#/components/parameters/{name}"} for name in parameters}
    items_params = [
        refs[n] for n in ("f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime")
    ]
    ok_json = {
        "description": "OK",
        "content": {JSON: {"schema": {"type": "object"}}, HTML: {"schema": {"type": "string"}}},
    }
    paths: dict = {
        "/": {
            "get": {
                "operationId": "getLandingPage",
                "parameters": [refs["f"]],
                "responses": {"200": ok_json, "400": error},
            }
        },
        "/api": {
            "get": {
                "operationId": "getApi",
                "responses": {"200": {"description": "This document", "content": {OPENAPI: {}}}},
            }
        },
        "/conformance": {
            "get": {
                "operationId": "getConformance",
                "parameters": [refs["f"]],
                "responses": {"200": ok_json, "400": error},
            }
        },
        "/collections": {
            "get": {
                "operationId": "getCollections",
                "parameters": [refs["f"]],
                "responses": {"200": ok_json, "400": error},
            }
        },
        "/collections/{collectionId}": {
            "get": {
                "operationId": "describeCollection",
                "parameters": [refs["collectionId"], refs["f"]],
                "responses": {"200": ok_json, "404": error},
            }
        },
        "/collections/{collectionId}/queryables": {
            "get": {
                "operationId": "getQueryables",
                "parameters": [refs["collectionId"]],
                "responses": {
                    "200": {"description": "JSON Schema", "content": {SCHEMA_JSON: {}}},
                    "404": error,
                },
            }
        },
        "/collections/{collectionId}/items": {
            "get": {
                "operationId": "getFeatures",
                "parameters": [refs["collectionId"], *items_params],
                "responses": {
                    "200": {
                        "description": "A FeatureCollection",
                        "content": {
                            GEOJSON: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
                            HTML: {"schema": {"type": "string"}},
                        },
                    },
                    "400": error,
                    "404": error,
                },
            }
        },
        "/collections/{collectionId}/items/{featureId}": {
            "get": {
                "operationId": "getFeature",
                "parameters": [refs["collectionId"], refs["featureId"], refs["f"], refs["crs"]],
                "responses": {
                    "200": {
                        "description": "A Feature (ETag: its version, for pipes and nodes)",
                        "content": {GEOJSON: {"schema": feature}},
                    },
                    "404": error,
                },
            }
        },
    }
    for spec in specs:
        # Per collection, with its queryables as parameters (what QGIS reads as simple
        # queryables), and its writes for the network.
        filters = [
            _param(
                a.name,
                f"Only features whose {a.name} equals this value",
                {"type": _JSON_TYPES[a.kind], **({"enum": list(a.choices)} if a.choices else {})},
            )
            for a in queryable_attrs(spec)
        ]
        item_path: dict = {}
        items_path: dict = {
            "get": {
                "operationId": f"getFeatures_{spec.slug}",
                "parameters": [*items_params, *filters],
                "responses": {
                    "200": {"description": "A FeatureCollection", "content": {GEOJSON: {}}},
                    "400": error,
                },
            }
        }
        if spec.slug in WRITABLE and user_can_edit:
            body = {"required": True, "content": {GEOJSON: {"schema": feature}}}
            crs_header = {
                "name": "Content-Crs",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "CRS of the body's coordinates (default CRS84)",
            }
            items_path["post"] = {
                "operationId": f"createFeature_{spec.slug}",
                "parameters": [crs_header],
                "requestBody": body,
                "responses": {
                    "201": {"description": "Created (Location, ETag)"},
                    "400": error,
                    "403": error,
                },
            }
            item_path = {
                "put": {
                    "operationId": f"replaceFeature_{spec.slug}",
                    "parameters": [refs["featureId"], refs["If-Match"], crs_header],
                    "requestBody": body,
                    "responses": {
                        "200": {"description": "Replaced"},
                        "400": error,
                        "412": error,
                        "428": error,
                    },
                },
                "patch": {
                    "operationId": f"updateFeature_{spec.slug}",
                    "parameters": [refs["featureId"], refs["If-Match"], crs_header],
                    "requestBody": {
                        "required": True,
                        "content": {"application/merge-patch+json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        "200": {"description": "Updated"},
                        "400": error,
                        "412": error,
                        "428": error,
                    },
                },
                "delete": {
                    "operationId": f"deleteFeature_{spec.slug}",
                    "parameters": [refs["featureId"], refs["If-Match"]],
                    "responses": {
                        "204": {"description": "Deleted (pipes: retired)"},
                        "412": error,
                        "428": error,
                    },
                },
            }
        paths[f"/collections/{spec.slug}/items"] = items_path
        if item_path:
            paths[f"/collections/{spec.slug}/items/{{featureId}}"] = item_path
    return {
        "openapi": "3.0.3",
        "info": {
            "title": _("%(site)s: OGC API – Features") % {"site": site},
            "version": "1.0.0",
            "description": _(
                "Authentication: a session, or the header Authorization: Token <key>."
            ),
            "contact": {"name": _("The county water bureau")},
        },
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "parameters": parameters,
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
            "schemas": {
                "Feature": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"type": "string", "enum": ["Feature"]},
                        "id": {"type": "integer"},
                        "geometry": {"type": "object", "nullable": True},
                        "properties": {"type": "object", "nullable": True},
                    },
                },
                "FeatureCollection": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "enum": ["FeatureCollection"]},
                        "features": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Feature"},
                        },
                        "links": {"type": "array", "items": {"type": "object"}},
                        "numberMatched": {"type": "integer"},
                        "numberReturned": {"type": "integer"},
                        "timeStamp": {"type": "string", "format": "date-time"},
                    },
                },
            },
            "responses": {
                "Error": {
                    "description": "An error",
                    "content": {
                        JSON: {
                            "schema": {
                                "type": "object",
                                "properties": {"error": {"type": "object"}},
                            }
                        }
                    },
                }
            },
        },
        "security": [{"token": []}],
    }

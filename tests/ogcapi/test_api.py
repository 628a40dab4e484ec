"""OGC API – Features reads: documents, collections, paging, CRS, filters, errors, HTML."""

from __future__ import annotations

import pytest
from django.test.utils import CaptureQueriesContext
from pyproj import Transformer

from layers.permissions import can_view_layer
from layers.registry import LAYERS
from network.models import PipeNode, PipeSegment
from ogcapi.documents import CONFORMANCE
from ogcapi.params import MAX_LIMIT

pytestmark = pytest.mark.django_db

BASE = "/ogcapi"
GEOJSON = "application/geo+json"
GK = "http://www.opengis.net/def/crs/EPSG/0/4546"
LATLON = "http://www.opengis.net/def/crs/EPSG/0/4326"


@pytest.fixture
def reader(client, official):
    client.force_login(official)
    return client


def rels(doc: dict) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in doc["links"]}


class DocumentTests:
    def test_landing_page_links(self, reader):
        response = reader.get(BASE)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        links = rels(response.json())
        for rel in ("self", "service-desc", "conformance", "data"):
            assert rel in links
        assert links["data"].endswith("/ogcapi/collections")
        assert reader.get(BASE + "/").status_code == 200  # with or without the slash

    def test_conformance_declares_what_is_implemented(self, reader):
        """Part 1 core, GeoJSON, HTML, OAS 3.0; Part 2 CRS; Part 3 queryables (not its filter
        language); Part 4 create/replace/delete, update and features: nothing else."""
        classes = reader.get(BASE + "/conformance").json()["conformsTo"]
        assert classes == list(CONFORMANCE)
        assert not any("filter" in c or "cql2" in c for c in classes)

    def test_openapi_document(self, client, engineer):
        client.force_login(engineer)
        response = client.get(BASE + "/api")
        assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
        doc = response.json()
        assert doc["openapi"].startswith("3.0")
        limit = doc["components"]["parameters"]["limit"]["schema"]
        assert (limit["maximum"], limit["default"]) == (MAX_LIMIT, 10)
        assert "post" in doc["paths"]["/collections/pipes/items"]
        assert "post" not in doc["paths"]["/collections/towns/items"]
        names = [
            p["name"]
            for p in doc["paths"]["/collections/pipes/items"]["get"]["parameters"]
            if "name" in p
        ]
        assert "material" in names  # the queryables as parameters (QGIS reads them)

    def test_openapi_references_resolve(self, reader):
        doc = reader.get(BASE + "/api").json()
        refs = []

        def walk(node):
            if isinstance(node, dict):
                refs.extend(v for k, v in node.items() if k == "$ref")
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(doc)
        assert refs
        for ref in refs:
            target = doc
            for part in ref.removeprefix("#/").split("/"):
                target = target[part]
            assert isinstance(target, dict)

    def test_anonymous_gets_401_asking_for_a_token(self, client):
        response = client.get(BASE + "/collections")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["error"]["code"] == "not_authenticated"

    def test_collections_are_the_layers_the_user_may_read(self, reader, official):
        doc = reader.get(BASE + "/collections").json()
        ids = [c["id"] for c in doc["collections"]]
        assert ids == [slug for slug in LAYERS if can_view_layer(official, slug)]
        pipes = next(c for c in doc["collections"] if c["id"] == "pipes")
        assert pipes["crs"][0] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert GK in pipes["crs"] and LATLON in pipes["crs"]
        assert pipes["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        assert any(link["rel"] == "items" for link in pipes["links"])

    def test_collections_in_a_constant_number_of_queries(self, reader):
        reader.get(BASE + "/collections")  # the session's first request
        with CaptureQueriesContext(_connection()) as ctx:
            reader.get(BASE + "/collections")
        assert len(ctx.captured_queries) <= 3  # data versions, permissions, the extent

    def test_unknown_collection(self, reader):
        response = reader.get(BASE + "/collections/rivers")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"

    def test_queryables(self, reader):
        doc = reader.get(BASE + "/collections/pipes/queryables").json()
        assert doc["type"] == "object"
        assert doc["properties"]["material"]["enum"] == list(PipeSegment.Material.values)
        assert doc["properties"]["diameter_mm"]["type"] == "integer"


class ItemsTests:
    def test_page_shape_and_counts(self, reader):
        response = reader.get(BASE + "/collections/pipes/items", {"limit": 3})
        assert response.status_code == 200 and response["Content-Type"] == GEOJSON
        assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
        doc = response.json()
        live = PipeSegment.objects.exclude(status=PipeSegment.Status.ABANDONED)
        assert doc["numberMatched"] == live.count()
        assert doc["numberReturned"] == len(doc["features"]) == 3
        assert [f["id"] for f in doc["features"]] == list(
            live.order_by("id").values_list("id", flat=True)[:3]
        )
        assert "next" in rels(doc) and "prev" not in rels(doc)

    def test_paging_through_next_links_yields_every_feature_once(self, reader):
        """Nodes in a box, 97 per page: the pages' ids are the box's ids, each once."""
        box = "112.30,24.70,112.45,24.85"
        expected = set(
            PipeNode.objects.filter(
                geom__intersects=_box(112.30, 24.70, 112.45, 24.85)
            ).values_list("id", flat=True)
        )
        assert len(expected) > 97 * 2  # several pages
        seen: list[int] = []
        url, params = BASE + "/collections/pipe-nodes/items", {"bbox": box, "limit": 97}
        pages = 0
        while url:
            doc = reader.get(url, params).json()
            seen += [f["id"] for f in doc["features"]]
            assert doc["numberMatched"] == len(expected)
            url, params = rels(doc).get("next"), None
            pages += 1
        assert len(seen) == len(set(seen)) and set(seen) == expected
        assert pages == -(-len(expected) // 97)

    def test_constant_number_of_queries(self, reader):
        reader.get(BASE + "/collections/pipes/items")  # the session's first request
        counts = []
        for limit in (5, 200):
            with CaptureQueriesContext(_connection()) as ctx:
                reader.get(BASE + "/collections/pipes/items", {"limit": limit, "offset": 40})
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1]

    def test_crs_round_trip_in_gauss_kruger(self, reader):
        """A node in EPSG:4546 is [northing, easting] as PROJ computes it from its lon/lat;
        in EPSG:4326 it is [lat, lon]."""
        node = PipeNode.objects.order_by("id").first()
        lon, lat = node.geom.x, node.geom.y
        url = f"{BASE}/collections/pipe-nodes/items/{node.pk}"
        response = reader.get(url, {"crs": GK})
        assert response["Content-Crs"] == f"<{GK}>"
        north, east = Transformer.from_crs(4326, 4546).transform(lat, lon)  # EPSG axis order
        assert response.json()["geometry"]["coordinates"] == pytest.approx([north, east], abs=0.002)
        assert north > 2_000_000 and 300_000 < east < 700_000
        latlon = reader.get(url, {"crs": LATLON}).json()["geometry"]["coordinates"]
        assert latlon == pytest.approx([lat, lon], abs=1e-7)

    def test_bbox_in_gauss_kruger(self, reader):
        """A 2 m box around a node, given as northing/easting in EPSG:4546, finds it."""
        node = PipeNode.objects.order_by("id")[10]
        north, east = Transformer.from_crs(4326, 4546).transform(node.geom.y, node.geom.x)
        box = f"{north - 1},{east - 1},{north + 1},{east + 1}"
        doc = reader.get(
            BASE + "/collections/pipe-nodes/items", {"bbox": box, "bbox-crs": GK}
        ).json()
        assert node.pk in [f["id"] for f in doc["features"]]
        assert doc["numberMatched"] < 5

    def test_property_filter(self, reader):
        doc = reader.get(
            BASE + "/collections/pipes/items", {"material": "ductile_iron", "limit": 50}
        ).json()
        assert {f["properties"]["material"] for f in doc["features"]} == {"ductile_iron"}
        live = PipeSegment.objects.exclude(status=PipeSegment.Status.ABANDONED)
        assert doc["numberMatched"] == live.filter(material="ductile_iron").count()

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"bbox": "1,2,3"}, "bbox"),
            ({"bbox": "113,25,112,24"}, "bbox"),
            ({"bbox": "a,b,c,d"}, "bbox"),
            ({"crs": "EPSG:9999"}, "crs"),
            ({"crs": "http://www.opengis.net/def/crs/EPSG/0/2000"}, "crs"),
            ({"bbox": "112,24,113,25", "bbox-crs": "EPSG:27700"}, "bbox-crs"),
            ({"limit": "0"}, "limit"),
            ({"limit": "ten"}, "limit"),
            ({"offset": "-5"}, "offset"),
            ({"sortby": "code"}, "sortby"),
            ({"material": "gold"}, "material"),
            ({"diameter_mm": "wide"}, "diameter_mm"),
            ({"datetime": "yesterday"}, "datetime"),
            ({"f": "xml"}, "f"),
        ],
    )
    def test_bad_parameters_are_400_naming_them(self, reader, params, field):
        response = reader.get(BASE + "/collections/pipes/items", params)
        assert response.status_code == 400
        assert field in response.json()["error"]["details"]

    def test_datetime_is_accepted_and_filters_nothing(self, reader):
        plain = reader.get(BASE + "/collections/towns/items").json()
        dated = reader.get(
            BASE + "/collections/towns/items", {"datetime": "2024-01-01T00:00:00Z/.."}
        ).json()
        assert dated["numberMatched"] == plain["numberMatched"] > 0

    def test_item_and_missing_item(self, reader):
        pipe = PipeSegment.objects.filter(status="in_service").order_by("id").first()
        response = reader.get(f"{BASE}/collections/pipes/items/{pipe.pk}")
        assert response.status_code == 200 and response["ETag"] == f'"{pipe.version}"'
        assert response.json()["properties"]["code"] == pipe.code
        assert reader.get(f"{BASE}/collections/pipes/items/999999999").status_code == 404
        assert reader.get(f"{BASE}/collections/pipes/items/abc").status_code == 404

    def test_html_by_f_and_by_accept(self, reader):
        town = LAYERS["towns"].queryset().order_by("id").first()
        page = reader.get(BASE + "/collections/towns/items", {"f": "html"})
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        assert town.code in page.content.decode()
        browser = reader.get(BASE + "/collections", HTTP_ACCEPT="text/html,*/*;q=0.8")
        assert browser["Content-Type"].startswith("text/html")
        item = reader.get(f"{BASE}/collections/towns/items/{town.pk}", {"f": "html"})
        assert town.code in item.content.decode()

    def test_post_on_a_read_only_collection_is_405(self, client, engineer):
        client.force_login(engineer)
        response = client.post(BASE + "/collections/towns/items", {}, content_type=GEOJSON)
        assert response.status_code == 405
        options = client.options(BASE + "/collections/towns/items")
        assert "POST" not in options["Allow"]
        assert "POST" in client.options(BASE + "/collections/pipes/items")["Allow"]


def _box(*bbox):
    from django.contrib.gis.geos import Polygon

    box = Polygon.from_bbox(bbox)
    box.srid = 4326
    return box


def _connection():
    from django.db import connection

    return connection

"""The requests a real QGIS sent to this server, replayed against the app (no QGIS needed).

Recorded on 2026-12-04 from QGIS 3.22.16-Białowieża (Debian bookworm's qgis 3.22.16+dfsg-1,
PyQGIS headless) against a development server with the demo loaded, through a logging proxy:
its OAPIF provider adding every layer of the downloaded /qgis/project.qgs and drawing a
street-sized extent (bbox requests), reading all water users (next links), three layers with
their QML, the vector tiles from the TileJSON with the MapLibre style converted, and a raster
overlay with its world file. Authentication: a QGIS authentication configuration of type
Basic — user name `engineer`, the API token as password (QGIS 3.22 has no header method).

QGIS 3.22's OAPIF layers are read-only (editing came with QGIS 3.32), so the edits were sent
the way the 3.32+ provider sends them (qgsoapifprovider.cpp: OPTIONS on the items and on the
first feature; a geometry or attribute change is a PUT of the whole cached feature with the
version read and no If-Match; a new feature is a POST followed by a GET of its Location; a
delete is a DELETE with neither If-Match nor body; `Content-Crs` and the CRS's axis order
for a layer in EPSG:4546), each body made by QGIS 3.22's own QgsJsonExporter from features
its provider read. The session: a vertex of pipe P0008102 moved 1.8 m in an EPSG:4546 layer,
then its material changed in the same layer (same commit: the cached version is stale), then
its diameter changed in a second CRS84 layer read before both (stale version and geometry),
a pipe drawn from node N0002017 to node N0002099, and pipe P0008103 deleted.

Host and port are stripped; `{engineer:token}` stands for the demo engineer's token. The
demo's generator may renumber the network or redraw a pipe between the same nodes: the
session's nodes are found by position, its two pipes by their end nodes, and those pipes are
put back as QGIS read them (fixture `world`) before the replay; ids in paths and bodies are
mapped. A demo whose nodes moved fails with a message: record the session again.
"""

from __future__ import annotations

import base64
import json
import math
import xml.etree.ElementTree as ET  # noqa: S405  (our own output)
from pathlib import Path

import pytest
from django.contrib.gis.geos import LineString, Point
from django.test import Client
from pyproj import Geod
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from network.models import NetworkChange, PipeNode, PipeSegment

pytestmark = pytest.mark.django_db

SESSION = json.loads((Path(__file__).parent / "qgis_session.json").read_text("utf-8"))
WORLD = SESSION["world"]
EDITED, DELETED = 8102, 8103  # the session's pipes, by their recorded ids
CHECKED_HEADERS = ("Content-Type", "Content-Crs", "Allow", "WWW-Authenticate")


def step(name: str) -> list[dict]:
    return next(s["requests"] for s in SESSION["steps"] if s["step"] == name)


class Replay:
    """Sends the recorded requests in order with the Django test client."""

    def __init__(self, token: str, ids: dict[int, int]):
        self.ids = ids  # recorded pipe id -> this database's
        self.client = Client()
        self.basic = base64.b64encode(f"engineer:{token}".encode()).decode()
        self.created: dict[str, str] = {}  # recorded Location path -> this run's

    def send(self, request: dict):
        path = request["path"]
        for recorded, now in self.created.items():
            path = path.replace(recorded, now)
        for recorded, now in self.ids.items():
            path = path.replace(f"/items/{recorded}", f"/items/{now}")
        headers = {}
        for name, value in request["headers"].items():
            if name == "Content-Type":
                continue
            if name == "Authorization":
                value = value.replace("{engineer:token}", self.basic)
            headers["HTTP_" + name.upper().replace("-", "_")] = value
        body = request["body"]
        if isinstance(body, dict) and body.get("id") in self.ids:
            body = {**body, "id": self.ids[body["id"]]}
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        content_type = request["headers"].get("Content-Type", "application/octet-stream")
        response = self.client.generic(
            request["method"], path, data=data, content_type=content_type, **headers
        )
        assert response.status_code == request["status"], (
            request["method"],
            path,
            response.content[:500],
        )
        for name in CHECKED_HEADERS:
            if name in request["response_headers"]:
                assert response[name] == request["response_headers"][name], (path, name)
        if "Location" in request["response_headers"]:
            now = response["Location"].removeprefix("http://testserver")
            self.created[request["response_headers"]["Location"]] = now
        return response

    def run(self, name: str) -> list:
        return [self.send(r) for r in step(name)]


def world_set() -> tuple[dict[int, int], dict[int, int]]:
    """Finds the session's nodes (by position) and pipes (by their end nodes) in this database
    and puts the pipes back as QGIS read them: (recorded pipe id -> id, recorded node id -> id).
    """
    nodes = {}
    for recorded, node in WORLD["nodes"].items():
        at = Point(*node["coordinates"], srid=4326)
        found = PipeNode.objects.filter(geom__dwithin=(at, 1e-7)).first()
        assert found is not None, (
            f"the demo changed: no node at {node['coordinates']} ({node['code']}); "
            "record the QGIS session again"
        )
        nodes[int(recorded)] = found.pk
    pipes = {}
    geod = Geod(ellps="GRS80")
    for recorded, pipe in WORLD["pipes"].items():
        coords = pipe["geometry"]["coordinates"]
        ends = [
            PipeNode.objects.filter(geom__dwithin=(Point(*c, srid=4326), 1e-7)).first()
            for c in (coords[0], coords[-1])
        ]
        found = (
            PipeSegment.objects.exclude(status=PipeSegment.Status.ABANDONED)
            .filter(start_node=ends[0], end_node=ends[1])
            .first()
        )
        assert found is not None, f"the demo changed: no pipe {pipe['properties']['code']}"
        props = pipe["properties"]
        PipeSegment.objects.filter(code=props["code"]).exclude(pk=found.pk).update(
            code=props["code"] + "-demo"
        )
        lons, lats = zip(*coords, strict=True)
        PipeSegment.objects.filter(pk=found.pk).update(
            geom=LineString(coords, srid=4326),
            length_m=geod.line_length(lons, lats),
            **props,
        )
        pipes[int(recorded)] = found.pk
    return pipes, nodes


@pytest.fixture
def world():
    return world_set()


@pytest.fixture
def replay(engineer, world):
    Token.objects.filter(user=engineer).delete()
    return Replay(Token.objects.create(user=engineer).key, world[0])


def features(response) -> list[dict]:
    doc = json.loads(response.content)
    assert doc["type"] == "FeatureCollection"
    assert doc["numberReturned"] == len(doc["features"])
    return doc["features"]


class QgisReadTests:
    def test_without_credentials_qgis_is_told_to_authenticate(self, replay):
        (response,) = replay.run("anonymous")
        assert response["WWW-Authenticate"] == "Token"

    def test_the_project_opens_with_its_crs_and_every_layer(self, replay):
        project, *layer_requests = replay.run("project")
        root = ET.fromstring(project.content)  # noqa: S314
        # Without this flag QGIS ignores <projectCrs>: the project opened without a CRS.
        assert root.find("properties/SpatialRefSys/ProjectionsEnabled").text == "1"
        assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:4546"
        sources = [m.find("datasource").text for m in root.findall("projectlayers/maplayer")]
        assert len(sources) == 9 and all("restrictToRequestBBOX='1'" in s for s in sources)
        # Each layer: landing page, OpenAPI, collection, a first page of 10 for the fields.
        firsts = [
            response
            for request, response in zip(step("project")[1:], layer_requests, strict=True)
            if request["path"].endswith("/items?limit=10")
        ]
        assert len(firsts) == 9
        for response in firsts:
            assert features(response)
            assert json.loads(response.content)["numberMatched"] >= 1

    def test_drawing_a_street_asks_each_layer_for_its_box(self, replay):
        replay.run("project")
        responses = replay.run("render-street")
        counts = {}
        for request, response in zip(step("render-street"), responses, strict=True):
            slug = request["path"].split("/")[3]
            counts[slug] = len(features(response))
            assert response["Content-Crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
        assert counts["pipes"] > 20 and counts["pipe-nodes"] > 20
        assert counts["towns"] >= 1 and counts["supply-zones"] >= 1

    def test_all_water_users_through_the_next_links(self, replay):
        responses = dict(
            zip(
                (r["path"] for r in step("read-all-paging")),
                replay.run("read-all-paging"),
                strict=True,
            )
        )
        items = "/ogcapi/collections/water-users/items"
        first = json.loads(responses[items + "?limit=1000"].content)
        # QGIS follows the next link as given (its f=json included).
        assert first["links"][-1]["rel"] == "next"
        assert first["links"][-1]["href"].endswith("?limit=1000&offset=1000&f=json")
        pages = [
            responses[items + "?limit=1000"],
            responses[items + "?limit=1000&offset=1000&f=json"],
        ]
        ids = [f["id"] for page in pages for f in features(page)]
        assert len(ids) == len(set(ids)) == first["numberMatched"] == 2000

    def test_styles_tiles_and_raster_overlay(self, replay):
        for response in replay.run("qml"):
            if response["Content-Type"] == "application/xml":
                assert b"<qgis" in response.content and b"RuleRenderer" in response.content
        tilejson, style = replay.run("vector-tiles")
        assert json.loads(tilejson.content)["tiles"] == [
            "http://testserver/tiles/all/{z}/{x}/{y}.pbf"
        ]
        assert json.loads(style.content)["version"] == 8
        png, pgw = replay.run("raster")
        assert png.getvalue().startswith(b"\x89PNG")
        assert len(pgw.content.decode().split()) == 6
        tiles = replay.run("vector-tiles-render")
        assert any(t.getvalue() for t in tiles)


class QgisEditTests:
    def test_the_edit_session_keeps_topology_history_and_audit(self, replay, world, engineer):
        pipes, nodes = world
        edited, deleted = pipes[EDITED], pipes[DELETED]
        before = PipeSegment.objects.get(pk=edited)
        nodes_before = PipeNode.objects.count()
        last_change = NetworkChange.objects.order_by("-id").values_list("id", flat=True).first()
        items, item = replay.run("edit-capabilities")[-2:]
        assert "POST" in items["Allow"]
        assert {"PUT", "DELETE"} <= set(item["Allow"].split(", ")) and "PATCH" not in item["Allow"]
        replay.run("edit-read-4546")
        (moved,) = replay.run("edit-move-vertex")
        assert moved["ETag"] == '"2"'
        # The same layer's next PUT carries the version it read (1): every change since is
        # this user's own, so it is not refused.
        (material,) = replay.run("edit-attribute")
        assert material["ETag"] == '"3"'
        (diameter,) = replay.run("edit-attribute-second-layer")
        assert diameter["ETag"] == '"4"'
        created, fetched = replay.run("edit-add")
        (retired,) = replay.run("edit-delete")
        assert retired.status_code == 204

        pipe = PipeSegment.objects.get(pk=edited)
        assert (pipe.material, pipe.diameter_mm, pipe.version) == ("ductile_iron", 63, 4)
        assert (pipe.start_node_id, pipe.end_node_id) == (before.start_node_id, before.end_node_id)
        old, new = list(before.geom.coords), list(pipe.geom.coords)
        assert new[0] == old[0] and new[-1] == old[-1]  # its ends stay on their nodes
        geod = Geod(ellps="GRS80")
        shift = geod.inv(*old[1], *new[1])[2]
        # Moved 1.5 m north and 1.0 m east in EPSG:4546 (about 1.8 m): kept, although the
        # second layer's PUT sent the geometry it read before the move (6 decimals).
        assert shift == pytest.approx(math.hypot(1.5, 1.0), abs=0.05)
        assert new[2] == pytest.approx(old[2], abs=1e-8)  # re-sent in millimetres: unmoved

        drawn = PipeSegment.objects.get(pk=int(created["Location"].rsplit("/", 1)[1]))
        # Snapped on the nodes (N0002017, N0002099 in the recording).
        assert (drawn.start_node_id, drawn.end_node_id) == (nodes[2017], nodes[2099])
        assert (drawn.diameter_mm, drawn.material) == (100, "PE")
        assert json.loads(fetched.content)["properties"]["start_node_code"] == (
            PipeNode.objects.get(pk=nodes[2017]).code
        )
        assert PipeNode.objects.count() == nodes_before  # no stray node
        assert PipeSegment.objects.get(pk=deleted).status == PipeSegment.Status.ABANDONED

        changes = NetworkChange.objects.filter(id__gt=last_change or 0).order_by("id")
        assert [(c.operation, c.pipe_ids, c.user_id) for c in changes] == [
            ("pipe_update", [edited], engineer.pk),
            ("pipe_update", [edited], engineer.pk),
            ("pipe_update", [edited], engineer.pk),
            ("pipe_create", [drawn.pk], engineer.pk),
            ("pipe_retire", [deleted], engineer.pk),
        ]
        assert AuditEvent.objects.filter(
            kind=AuditEvent.Kind.DATA_CHANGE,
            object_type="network.networkchange",
            object_id__in=[str(c.pk) for c in changes],
            actor="engineer",
        ).count() == len(changes)

    def test_a_colleagues_change_in_between_is_refused(self, replay, world, django_user_model):
        """The attribute PUT after a colleague edited the pipe: 409, nothing written."""
        replay.run("edit-read-4546")
        colleague = Client()
        colleague.force_login(django_user_model.objects.get(username="admin"))
        url = f"/ogcapi/collections/pipes/items/{world[0][EDITED]}"
        theirs = json.loads(colleague.get(url).content)
        theirs.pop("links")
        theirs["properties"]["install_year"] = 2015
        put = colleague.put(url, json.dumps(theirs), content_type="application/geo+json")
        assert put.status_code == 200
        pipe = PipeSegment.objects.get(pk=world[0][EDITED])
        request = dict(step("edit-attribute")[0], status=409, response_headers={})
        replay.send(request)
        after = PipeSegment.objects.get(pk=world[0][EDITED])
        assert (after.version, after.material, after.install_year) == (
            pipe.version,
            pipe.material,
            2015,
        )

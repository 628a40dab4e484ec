"""OGC API – Features Part 4 on pipes and nodes: every write goes through the network
services, so snapping, T-junctions, versions, history and audit hold as in the editor."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import Client
from pyproj import Transformer
from rest_framework.authtoken.models import Token

from audit.models import AuditEvent
from network.models import NetworkChange, PipeNode, PipeSegment
from tests.network.test_services import (
    fingerprint,
    metres,
    moved,
    spot,  # noqa: F401 - a fixture
)

pytestmark = pytest.mark.django_db

ITEMS = "/ogcapi/collections/{}/items"
GEOJSON = "application/geo+json"
GK = "http://www.opengis.net/def/crs/EPSG/0/4546"


def line(*coords, **props) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
        "properties": {"diameter_mm": 100, "material": "PE", **props},
    }


def send(client, method: str, url: str, body=None, content_type=GEOJSON, **headers):
    kwargs = {"content_type": content_type, **headers}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return getattr(client, method)(url, **kwargs)


@pytest.fixture
def eng(client, engineer):
    client.force_login(engineer)
    return client


def history(pipe_id: int) -> list[str]:
    return list(
        NetworkChange.objects.filter(pipe_ids__contains=[pipe_id])
        .order_by("id")
        .values_list("operation", flat=True)
    )


def audited(change_ids) -> int:
    return AuditEvent.objects.filter(
        kind=AuditEvent.Kind.DATA_CHANGE,
        object_type="network.networkchange",
        object_id__in=[str(i) for i in change_ids],
    ).count()


class PipeRoundTripTests:
    def test_create_update_replace_delete_keeps_topology_history_and_audit(
        self,
        eng,
        spot,  # noqa: F811
    ):
        """A valve at the spot; a 50 m pipe drawn from 0.4 m east of it (within the 0.5 m
        tolerance: its start snaps onto the valve) eastwards; a second pipe ending 0.3 m
        north of the first one's midpoint (a T-junction: the first is split there); then a
        PATCH, a stale PATCH (412), a PUT in EPSG:4546 moving the far end 10 m north, and a
        DELETE (retired, out of the collection)."""
        nodes, pipes = ITEMS.format("pipe-nodes"), ITEMS.format("pipes")
        valve = send(
            eng,
            "post",
            nodes,
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(spot)},
                "properties": {"kind": "valve"},
            },
        )
        assert valve.status_code == 201
        valve_id = int(valve["Location"].rsplit("/", 1)[1])
        created = send(eng, "post", pipes, line(moved(spot, east_m=0.4), moved(spot, east_m=50)))
        assert created.status_code == 201
        assert created["ETag"] == '"1"'
        pipe_id = int(created["Location"].rsplit("/items/", 1)[1])
        assert created["Location"].endswith(f"/ogcapi/collections/pipes/items/{pipe_id}")
        pipe = PipeSegment.objects.get(pk=pipe_id)
        assert pipe.start_node_id == valve_id  # snapped
        assert created.json()["geometry"]["coordinates"][0] == pytest.approx(list(spot))

        # A T-junction: the second pipe's end lands 0.3 m off the first one's middle.
        middle = moved(spot, east_m=25, north_m=0.3)
        tee = send(eng, "post", pipes, line(moved(spot, east_m=25, north_m=40), middle))
        assert tee.status_code == 201
        tee_pipe = PipeSegment.objects.get(pk=int(tee["Location"].rsplit("/", 1)[1]))
        junction = tee_pipe.end_node_id
        pipe.refresh_from_db()
        assert pipe.end_node_id == junction  # split: the first part ends at the junction
        assert PipeSegment.objects.filter(start_node_id=junction).exclude(pk=tee_pipe.pk).exists()
        version = pipe.version
        assert version == 2  # the split changed it

        url = f"{pipes}/{pipe_id}"
        patched = send(
            eng,
            "patch",
            url,
            {"properties": {"diameter_mm": 150}},
            content_type="application/merge-patch+json",
            HTTP_IF_MATCH=f'"{version}"',
        )
        assert patched.status_code == 200, patched.content
        assert patched["ETag"] == f'"{version + 1}"'
        assert patched.json()["properties"]["diameter_mm"] == 150

        before = fingerprint()
        stale = send(
            eng,
            "patch",
            url,
            {"properties": {"diameter_mm": 200}},
            content_type="application/merge-patch+json",
            HTTP_IF_MATCH=f'"{version}"',
        )
        assert stale.status_code == 412
        assert stale.json()["error"]["details"]["current_version"] == version + 1
        assert fingerprint() == before  # nothing written

        # PUT the whole feature in EPSG:4546 ([northing, easting]); the far end 10 m north.
        to_gk = Transformer.from_crs(4326, 4546)
        stored = eng.get(url, {"crs": GK}).json()
        far = moved(tuple(PipeSegment.objects.get(pk=pipe_id).geom.coords[-1]), north_m=10)
        coords = stored["geometry"]["coordinates"]
        coords[-1] = list(to_gk.transform(far[1], far[0]))
        stored["properties"]["install_year"] = 2024
        stored.pop("links")
        replaced = send(
            eng, "put", url, stored, HTTP_CONTENT_CRS=f"<{GK}>", HTTP_IF_MATCH=f'"{version + 1}"'
        )
        assert replaced.status_code == 200, replaced.content
        pipe.refresh_from_db()
        assert pipe.install_year == 2024 and pipe.diameter_mm == 150
        assert metres(pipe.geom.coords[-1], far) < 0.01
        assert pipe.end_node_id != junction  # the end left the junction: a new end node

        deleted = eng.delete(url, HTTP_IF_MATCH=f'"{pipe.version}"')
        assert deleted.status_code == 204
        pipe.refresh_from_db()
        assert pipe.status == PipeSegment.Status.ABANDONED  # retired, never deleted
        assert eng.get(url).status_code == 404

        operations = history(pipe_id)
        assert operations == [
            "pipe_create",
            "pipe_create",
            "pipe_update",
            "pipe_update",
            "pipe_retire",
        ]  # the second create is the tee that split it
        changes = NetworkChange.objects.filter(pipe_ids__contains=[pipe_id])
        assert audited(changes.values_list("id", flat=True)) == len(operations)

    def test_a_write_without_a_version_is_428_and_changes_nothing(self, eng):
        pipe = PipeSegment.objects.filter(status="in_service").order_by("id").first()
        before = fingerprint()
        url = f"{ITEMS.format('pipes')}/{pipe.pk}"
        patch = send(
            eng,
            "patch",
            url,
            {"properties": {"diameter_mm": 150}},
            content_type="application/merge-patch+json",
        )
        assert patch.status_code == 428
        put = send(eng, "put", url, line((112.38, 24.77), (112.381, 24.77)))
        assert put.status_code == 428
        assert fingerprint() == before

    def test_a_delete_without_if_match_retires_the_current_version(self, eng):
        """QGIS sends DELETE with neither If-Match nor a body; a stale If-Match still fails."""
        pipe = PipeSegment.objects.filter(status="in_service").order_by("id")[1]
        url = f"{ITEMS.format('pipes')}/{pipe.pk}"
        assert eng.delete(url, HTTP_IF_MATCH=f'"{pipe.version + 1}"').status_code == 412
        assert eng.delete(url).status_code == 204
        pipe.refresh_from_db()
        assert pipe.status == PipeSegment.Status.ABANDONED
        assert history(pipe.pk)[-1] == "pipe_retire"

    def test_put_with_the_version_in_its_properties(self, eng, django_user_model):
        """What QGIS sends: the whole feature as read, with properties.version, no If-Match.
        The geometry comes back as read (rounded): the route is not re-snapped."""
        pipe = PipeSegment.objects.filter(status="in_service").order_by("id")[3]
        url = f"{ITEMS.format('pipes')}/{pipe.pk}"
        feature = eng.get(url).json()
        feature.pop("links")
        read = copy.deepcopy(feature)  # what QGIS keeps in its cache
        feature["properties"]["material"] = "steel"
        response = send(eng, "put", url, feature)
        assert response.status_code == 200, response.content
        pipe.refresh_from_db()
        assert pipe.material == "steel" and pipe.version == feature["properties"]["version"] + 1
        # QGIS sends the version it read again with its next PUT of the feature, and what it
        # holds of the feature (here: not the new material, as when the material was changed
        # in the editor). Every change since was this user's: only what this PUT changes from
        # the version read is written; the user's own change since is kept.
        read["properties"]["install_year"] = 2001
        again = send(eng, "put", url, read)
        assert again.status_code == 200, again.content
        pipe.refresh_from_db()
        assert (pipe.install_year, pipe.material) == (2001, "steel")
        assert pipe.version == feature["properties"]["version"] + 2
        # A colleague's change since: the stale version is refused, nothing changes.
        colleague = Client()
        colleague.force_login(django_user_model.objects.get(username="admin"))
        theirs = eng.get(url).json()
        theirs.pop("links")
        theirs["properties"]["diameter_mm"] = 300
        assert send(colleague, "put", url, theirs).status_code == 200
        before = fingerprint()
        stale = send(eng, "put", url, feature)
        assert stale.status_code == 409  # a stale body version, as in the layers API
        assert stale.json()["error"]["details"]["current_version"] == pipe.version + 1
        assert fingerprint() == before

    def test_an_official_may_read_but_not_write(self, client, official, spot):  # noqa: F811
        client.force_login(official)
        pipes = ITEMS.format("pipes")
        response = send(client, "post", pipes, line(spot, moved(spot, east_m=30)))
        assert response.status_code == 403
        assert "POST" not in client.options(pipes)["Allow"]
        assert not PipeSegment.objects.filter(geom__intersects=_point(spot)).exists()

    def test_token_writes_need_no_csrf_token_and_sessions_do(self, engineer, spot):  # noqa: F811
        from django.test import Client

        token = Token.objects.create(user=engineer)
        pipes = ITEMS.format("pipes")
        body = line(spot, moved(spot, east_m=30))
        strict = Client(enforce_csrf_checks=True)
        ok = send(strict, "post", pipes, body, HTTP_AUTHORIZATION=f"Token {token.key}")
        assert ok.status_code == 201
        strict.force_login(engineer)
        other = line(moved(spot, north_m=100), moved(spot, north_m=100, east_m=30))
        assert send(strict, "post", pipes, other).status_code == 403

    def test_bad_bodies_are_400(self, eng, spot):  # noqa: F811
        pipes = ITEMS.format("pipes")
        before = fingerprint()
        for body, headers in (
            ({"type": "Feature", "geometry": None, "properties": {}}, {}),
            (line(spot, moved(spot, east_m=30), diameter_mm=33), {}),
            (line(spot, moved(spot, east_m=30)), {"HTTP_CONTENT_CRS": "<EPSG:2000>"}),
            (line(spot), {}),
            ([1, 2], {}),
        ):
            response = send(eng, "post", pipes, body, **headers)
            assert response.status_code == 400, (body, response.content)
        assert fingerprint() == before


class NodeTests:
    def test_create_and_delete_an_unused_node(self, eng, spot):  # noqa: F811
        nodes = ITEMS.format("pipe-nodes")
        where = moved(spot, east_m=300)
        created = send(
            eng,
            "post",
            nodes,
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(where)},
                "properties": {"kind": "hydrant", "elevation_m": 120.5},
            },
        )
        assert created.status_code == 201
        node_id = int(created["Location"].rsplit("/", 1)[1])
        url = f"{nodes}/{node_id}"
        read = eng.get(url)
        assert read["ETag"] == '"1"' and read.json()["properties"]["kind"] == "hydrant"
        assert eng.delete(url, HTTP_IF_MATCH='"1"').status_code == 204
        assert not PipeNode.objects.filter(pk=node_id).exists()
        assert eng.get(url).status_code == 404


def _point(lonlat):
    from django.contrib.gis.geos import Point

    return Point(*lonlat, srid=4326).buffer(1e-6)

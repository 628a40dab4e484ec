"""Hostile bodies on every write of the API: each a clear 4xx in the DESIGN error shape, and
nothing stored (a fingerprint of every layer table, the history and the verdicts is unchanged).

Writes: pipes (create, update, split, move, merge), nodes (create, update), leaks (create),
the compliance scenario, the consumption area query. Payloads: a 1,000,000-vertex geometry
(refused by the body limit, 413), more than MAX_GEOMETRY_VERTICES vertices (400, counted
before parsing), NaN/Infinity, wrong nesting, a CRS other than EPSG:4326, an oversized body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings

from consumption.polygon import MAX_VERTICES as AREA_MAX_VERTICES
from network.models import PipeNode, PipeSegment

from .conftest import assert_error, stored_fingerprint
from .payloads import (
    HOSTILE_CRS,
    NOT_FINITE,
    ROUTE,
    SQUARE,
    WRONG_NESTING,
    dumps,
    feature,
    ring,
    zigzag,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Write:
    """One write endpoint: who calls it, where, and how a geometry sits in its body."""

    name: str
    role: str
    method: str
    url: Callable[[], str]
    body: Callable[[object], object]  # geometry (or position) → request body
    kind: str  # "LineString" | "Point" | "Polygon" | "position" | "" (no geometry)


def _pipe() -> PipeSegment:
    return PipeSegment.objects.filter(status="in_service").order_by("id").first()


def _node() -> PipeNode:
    return PipeNode.objects.order_by("id").first()


def _pipe_url(suffix: str = "") -> str:
    return f"/api/v1/layers/pipes/features/{_pipe().pk}/{suffix}"


WRITES = [
    Write(
        "pipe-create",
        "engineer",
        "post",
        lambda: "/api/v1/layers/pipes/features/",
        lambda g: feature(g, diameter_mm=100, material="PE"),
        "LineString",
    ),
    Write(
        "pipe-update",
        "engineer",
        "patch",
        _pipe_url,
        lambda g: feature(g, version=_pipe().version),
        "LineString",
    ),
    Write(
        "pipe-split",
        "engineer",
        "post",
        lambda: _pipe_url("split/"),
        lambda p: {"point": p, "version": _pipe().version},
        "position",
    ),
    Write(
        "pipe-move",
        "engineer",
        "post",
        lambda: _pipe_url("move/"),
        lambda p: {"offset_m": p, "version": _pipe().version},
        "position",
    ),
    Write("pipe-merge", "engineer", "post", lambda: "/api/v1/layers/pipes/merge/", lambda g: g, ""),
    Write(
        "node-create",
        "engineer",
        "post",
        lambda: "/api/v1/layers/pipe-nodes/features/",
        lambda g: feature(g, kind="valve"),
        "Point",
    ),
    Write(
        "node-update",
        "engineer",
        "patch",
        lambda: f"/api/v1/layers/pipe-nodes/features/{_node().pk}/",
        lambda g: feature(g, version=_node().version),
        "Point",
    ),
    Write(
        "leak-create",
        "engineer",
        "post",
        lambda: "/api/v1/network/leaks/",
        lambda g: feature(g, pipe_id=_pipe().pk, found_on="2024-05-01"),
        "Point",
    ),
    Write(
        "consumption-area",
        "planner",
        "post",
        lambda: "/api/v1/consumption/area/",
        lambda g: {"geometry": g, "start": "2024-01", "end": "2024-12"},
        "Polygon",
    ),
    Write(
        "scenario",
        "planner",
        "post",
        lambda: "/api/v1/compliance/scenarios/",
        lambda g: {"year": 2024, "overrides": g},
        "",
    ),
]
GEOMETRIC = [w for w in WRITES if w.kind in ("LineString", "Point", "Polygon")]


def _coordinates(kind: str, n: int):
    return {"LineString": zigzag(n), "Polygon": ring(n), "Point": [112.38, 24.78]}[kind]


def _geometry(kind: str, n: int = 2, **extra) -> dict:
    return {"type": kind, "coordinates": _coordinates(kind, n), **extra}


@pytest.fixture
def clients(engineer_client, planner_client):
    return {"engineer": engineer_client, "planner": planner_client}


def send(clients, write: Write, text: str):
    client = clients[write.role]
    return getattr(client, write.method)(write.url(), text, content_type="application/json")


@pytest.fixture
def unchanged():
    """Asserts, after the test, that nothing stored changed."""
    before = stored_fingerprint()
    yield
    assert stored_fingerprint() == before


@pytest.mark.usefixtures("unchanged")
class BodySizeTests:
    @pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
    def test_oversized_body_is_a_json_413(self, clients, write):
        text = dumps({"pad": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
        assert assert_error(send(clients, write, text), 413)["code"] == "too_large"

    @pytest.mark.parametrize("write", GEOMETRIC, ids=lambda w: w.name)
    def test_a_million_vertices_is_refused_by_the_body_limit(self, clients, write):
        kind = "LineString" if write.kind == "Point" else write.kind
        text = dumps(write.body(_geometry(kind, 1_000_000)))
        assert len(text) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        assert_error(send(clients, write, text), 413)

    @pytest.mark.parametrize("write", GEOMETRIC, ids=lambda w: w.name)
    def test_too_many_vertices_under_the_body_limit_is_a_400(self, clients, write):
        limit = AREA_MAX_VERTICES if write.kind == "Polygon" else settings.MAX_GEOMETRY_VERTICES
        kind = "LineString" if write.kind == "Point" else write.kind
        text = dumps(write.body(_geometry(kind, limit + 1)))
        assert len(text) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        error = assert_error(send(clients, write, text), 400)
        assert "geometry" in str(error["details"])

    def test_the_vertex_limit_is_checked_before_parsing(self, clients, settings):
        # One vertex over a lowered limit, the rest garbage: refused for the count, not the
        # garbage, so no position was parsed.
        settings.MAX_GEOMETRY_VERTICES = 3
        geometry = {"type": "LineString", "coordinates": ["a", "b", "c", "d"]}
        error = assert_error(send(clients, WRITES[0], dumps(feature(geometry))), 400)
        assert error["details"]["problem"] == "too_many_vertices"


@pytest.mark.usefixtures("unchanged")
class GeometryPayloadTests:
    @pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
    def test_nan_and_infinity_are_a_400(self, clients, write):
        marker = 999.25  # replaced by the bare constant in the JSON text
        if write.kind in ("", "position"):
            body = write.body([marker, 24.78])
        else:
            body = write.body(_geometry(write.kind))
            coords = body["geometry"]["coordinates"]
            while isinstance(coords[0], list):
                first = coords
                coords = coords[0]
            if write.kind == "Point":
                coords[0] = marker
            else:
                first[1] = [marker, 24.78]
        for constant in NOT_FINITE:
            text = dumps(body).replace("999.25", constant)
            assert constant in text
            assert_error(send(clients, write, text), 400)

    @pytest.mark.parametrize("write", WRITES, ids=lambda w: w.name)
    def test_wrong_nesting_is_a_4xx(self, clients, write):
        for raw in WRONG_NESTING:
            # (an empty list of overrides is a valid scenario)
            bodies = [raw] if write.name == "scenario" and raw == [] else [raw, write.body(raw)]
            for text in map(dumps, bodies):
                assert_error(send(clients, write, text), 400, 404, 409)

    @pytest.mark.parametrize("write", GEOMETRIC, ids=lambda w: w.name)
    def test_a_crs_other_than_wgs84_is_a_400(self, clients, write):
        n = 4 if write.kind == "Polygon" else 2
        for hostile in HOSTILE_CRS:
            in_geometry = write.body(_geometry(write.kind, n))
            in_geometry["geometry"]["crs"] = hostile
            on_body = write.body(_geometry(write.kind, n))
            on_body["crs"] = hostile
            for body in (in_geometry, on_body):
                error = assert_error(send(clients, write, dumps(body)), 400)
                assert "4326" in error["message"] + str(error["details"])


def test_the_payload_bodies_are_accepted_without_the_hostile_part(planner_client):
    """The bodies above fail for their hostile part only: the same body with a plain square
    answers 200."""
    body = WRITES[-2].body({"type": "Polygon", "coordinates": SQUARE})
    response = planner_client.post(
        "/api/v1/consumption/area/", dumps(body), content_type="application/json"
    )
    assert response.status_code == 200


def test_wgs84_route_with_markup_in_free_text_is_refused(clients):
    # Markup in free text is refused by the one text rule (layers/text_rules.py; every path
    # in test_markup.py); data that got in before it is shown as text
    # (tests/e2e/test_hostile_markup.py proves no script runs on any page).
    route = {"type": "LineString", "coordinates": ROUTE}
    body = feature(route, diameter_mm=100, material="PE", code="<script>x</script>")
    before = stored_fingerprint()
    error = assert_error(send(clients, WRITES[0], dumps(body)), 400)
    assert error["details"]["field"] == "properties.code"
    assert stored_fingerprint() == before

"""Network writes are bounded before the network lock (issue 16, finding 3): a 10,000-vertex
zig-zag pipe, a pipe 110,000 km long and a pipe across the antimeridian are refused with a 400
and nothing stored, without taking the lock; a writer waits a bounded time for the lock (503)."""

from __future__ import annotations

import json

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import LineString

from layers.geometry_limits import geodesic_length_m
from network.models import PipeSegment
from network.services.session import NETWORK_LOCK_KEY
from tests.network.test_services import fingerprint, moved, spot  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

PIPES = "/api/v1/layers/pipes/features/"


@pytest.fixture
def eng(client, engineer):
    client.force_login(engineer)
    client.cookies["django_language"] = "en"
    return client


def zigzag(centre, n: int, half_width_deg: float) -> list[list[float]]:
    """n vertices east and west of `centre` in turn, creeping north 1e-5° a vertex: a simple
    (self-avoiding) line whose length is n × the width."""
    lon, lat = centre
    return [
        [lon + (half_width_deg if k % 2 else -half_width_deg), lat + k * 1e-5] for k in range(n)
    ]


def feature(coords, **props) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {"diameter_mm": 100, "material": "PE", **props},
    }


def post(client, body):
    """POST a pipe; (response, SQL of every query the request ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(PIPES, json.dumps(body), content_type="application/json")
    return response, [q["sql"] for q in queries]


def lock_taken(sqls: list[str]) -> bool:
    return any("pg_advisory_xact_lock" in sql for sql in sqls)


class RouteLimitTests:
    def test_a_10000_vertex_zigzag_pipe_is_refused_before_the_lock(self, eng, spot):  # noqa: F811
        before = fingerprint()
        response, sqls = post(eng, feature(zigzag(spot, 10_000, 0.001), code="ZZ-10K"))
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["details"]["problem"] == "too_many_vertices"
        assert error["details"]["field"] == "geometry"
        assert "at most 5000" in error["message"]
        assert not lock_taken(sqls)
        assert fingerprint() == before
        assert not PipeSegment.objects.filter(code="ZZ-10K").exists()

    def test_a_pipe_110000_km_long_is_refused(self, eng, spot):  # noqa: F811
        coords = zigzag(spot, 4_999, 0.115)
        assert geodesic_length_m(LineString(coords)) > 110_000_000
        before = fingerprint()
        response, sqls = post(eng, feature(coords, code="ZZ-LONG"))
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["details"]["problem"] == "too_long"
        assert "county's extent" in error["message"]
        assert not lock_taken(sqls)
        assert fingerprint() == before

    def test_a_pipe_across_the_antimeridian_is_refused(self, eng):
        before = fingerprint()
        response, sqls = post(eng, feature([[179.9, 24.9], [-179.9, 24.9]]))
        assert response.status_code == 400
        details = response.json()["error"]["details"]
        assert details["problem"] == "edge_too_long"
        assert details["location"] == [179.9, 24.9]
        assert not lock_taken(sqls)
        assert fingerprint() == before

    def test_a_route_edit_is_bounded_before_the_lock(self, eng, spot):  # noqa: F811
        pipe = PipeSegment.objects.filter(status="in_service").order_by("pk").first()
        body = {**feature(zigzag(spot, 6_000, 0.001)), "properties": {"version": pipe.version}}
        before = fingerprint()
        with CaptureQueriesContext(connection) as queries:
            response = eng.patch(
                f"{PIPES}{pipe.pk}/", json.dumps(body), content_type="application/json"
            )
        assert response.status_code == 400
        assert response.json()["error"]["details"]["problem"] == "too_many_vertices"
        assert not lock_taken([q["sql"] for q in queries])
        assert fingerprint() == before

    def test_an_ordinary_pipe_is_still_drawn(self, eng, spot):  # noqa: F811
        response, sqls = post(eng, feature([list(spot), list(moved(spot, east_m=80))]))
        assert response.status_code == 201, response.content
        assert lock_taken(sqls)


class NetworkLockWaitTests:
    def test_a_writer_waits_a_bounded_time_for_the_lock_then_503(self, eng, spot, settings):  # noqa: F811
        settings.NETWORK_LOCK_WAIT_S = 0.2
        params = connection.get_connection_params()
        other = psycopg.connect(**params, autocommit=True)  # another worker, mid-edit
        try:
            other.execute("SELECT pg_advisory_lock(%s)", [NETWORK_LOCK_KEY])
            before = fingerprint()
            response, _sqls = post(eng, feature([list(spot), list(moved(spot, east_m=80))]))
        finally:
            other.close()
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "network_busy"
        assert "nothing was saved" in error["message"]
        assert response["Retry-After"]
        assert fingerprint() == before
        # The lock's wait limit was for that wait only.
        with connection.cursor() as cur:
            cur.execute("SHOW lock_timeout")
            assert cur.fetchone()[0] == "0"

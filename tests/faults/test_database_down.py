"""The database goes away: 503 (JSON for the API and tiles, a page elsewhere), then recovery
without a restart once it is back. Real faults on a real gunicorn: connections refused
(ALLOW_CONNECTIONS false) and a request's connection cut while it runs."""

from __future__ import annotations

import threading

import pytest

from layers.tiles import lonlat_to_tile
from network.models import SupplyZone
from tests.faults.waiting import lock_waiters, wait_for
from tests.operations.dbtools import admin, terminate_backends

pytestmark = pytest.mark.django_db

LAYERS = "/api/v1/layers/"
PIPES = "/api/v1/layers/pipes/features/?page_size=3"
TILE = "/tiles/pipes/12/3301/1760.pbf"


def assert_api_503(response) -> None:
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Retry-After"] == "30"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert error["message"] == "数据库暂时不可用，请稍后重试。"


class DatabaseDownTests:
    def test_refused_connections_answer_503_then_the_site_recovers(self, scratch, server):
        api, browser = server.api(), server.browser()
        assert api.get(server.base + LAYERS, timeout=30).status_code == 200
        assert browser.get(server.base + "/", timeout=30).status_code == 200
        try:
            scratch.allow_connections(False)
            terminate_backends(scratch.name)  # the workers' kept-alive connections

            assert_api_503(api.get(server.base + LAYERS, timeout=30))
            assert_api_503(api.get(server.base + TILE, timeout=30))

            page = browser.get(server.base + "/", timeout=30)
            assert page.status_code == 503
            assert page.headers["Content-Type"].startswith("text/html")
            assert page.headers["Retry-After"] == "30"
            assert "服务暂时不可用" in page.text and "数据库暂时不可用" in page.text
            english = browser.get(server.base + "/", cookies={"django_language": "en"}, timeout=30)
            assert english.status_code == 503
            assert "The database is unavailable; try again shortly." in english.text
        finally:
            scratch.allow_connections(True)

        # Back without restarting gunicorn: each worker drops its dead connection.
        for _ in range(4):  # enough to reach both workers
            assert api.get(server.base + LAYERS, timeout=30).status_code == 200
            assert browser.get(server.base + "/", timeout=30).status_code == 200
        assert server.process.poll() is None

    def test_a_request_cut_mid_flight_answers_503_and_the_next_succeeds(self, scratch, server):
        api = server.api()
        answers = []
        with admin(scratch.name) as holder:
            # Hold the pipe table so that the request is certainly running inside PostgreSQL
            # when its connection is terminated.
            holder.execute("BEGIN")
            holder.execute("LOCK TABLE layers_pipesegment IN ACCESS EXCLUSIVE MODE")
            request = threading.Thread(
                target=lambda: answers.append(api.get(server.base + PIPES, timeout=60))
            )
            request.start()
            (victim,) = wait_for(lambda: lock_waiters(scratch.name), what="the request to wait")
            holder.execute("SELECT pg_terminate_backend(%s)", [victim])
            request.join(timeout=60)
            holder.execute("ROLLBACK")
        assert_api_503(answers[0])
        again = api.get(server.base + PIPES, timeout=30)
        assert again.status_code == 200 and len(again.json()["features"]) == 3

    def test_kept_alive_connections_cut_between_requests_are_replaced(self, scratch, server):
        """The server ends every session between two requests (a restart, a failover, an idle
        timeout): the next request on each worker opens a fresh connection and answers 200,
        never a 503 for the first one to meet the dead connection."""
        api = server.api()
        for _ in range(3):
            assert api.get(server.base + PIPES, timeout=30).status_code == 200
            terminate_backends(scratch.name)
            for _ in range(2):
                again = api.get(server.base + PIPES, timeout=30)
                assert again.status_code == 200, again.text[:300]

    def test_a_warm_tile_after_the_connections_were_cut_is_still_served(self, scratch, server):
        """The tile fast path (gisapp/tile_fast_path.py) skips the health check's round trip: a
        cut connection fails its session query, and Django answers instead, on a new one."""
        point = SupplyZone.objects.get(code="SZ02").geom.point_on_surface  # the copy's source
        tile = "/tiles/pipes/15/{}/{}.pbf".format(*lonlat_to_tile(point.x, point.y, 15))
        browser = server.browser()
        first = browser.get(server.base + tile, timeout=30)  # built: Django learns the headers
        assert first.status_code == 200
        for _ in range(3):
            terminate_backends(scratch.name)
            for _ in range(3):
                again = browser.get(server.base + tile, timeout=30)
                assert again.status_code == first.status_code, again.text[:300]
                assert again.content == first.content

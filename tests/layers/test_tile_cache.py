"""The tile cache every worker shares (layers/tile_cache.py): a tile built by one process is
served by another without being built again; a write gives new keys and the old rows go; a
broken cache never breaks a tile; emptied data versions take the shared tiles with them."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from layers.scope import EVERYWHERE, scope_bound
from layers.tile_cache import (
    run_after_response,
    shared_or_build_sql,
    tile_cache_shared_or_build,
)
from layers.tiles import lonlat_to_tile, tile_sql
from network.models import SupplyZone
from tests.helpers import rewrite_one_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No tile anywhere: rows other tests committed (live servers) go, inside this test's
    transaction, so they come back after it."""
    cache.clear()
    with connection.cursor() as cur:
        cur.execute("DELETE FROM tile_cache.tiles")
    yield
    cache.clear()


def _another_process() -> None:
    """What a second gunicorn worker has: the shared table, none of this process's memory."""
    cache.clear()
    caches["tiles"].clear()


def _url() -> str:
    point = SupplyZone.objects.get(code="SZ02").geom.point_on_surface
    z = 15
    x, y = lonlat_to_tile(point.x, point.y, z)
    return f"/tiles/pipes/{z}/{x}/{y}.pbf?year=2024"


def _rows() -> list[tuple[str, str, int]]:
    with connection.cursor() as cur:
        cur.execute("SELECT key, versions, length(content) FROM tile_cache.tiles ORDER BY key")
        return cur.fetchall()


def _built(queries) -> bool:
    """The tile was built here: a tile found in the shared table is read by the same statement
    (tile_cache_shared_or_build) but never stored again."""
    return any("INSERT INTO tile_cache.tiles" in q["sql"] for q in queries.captured_queries)


def test_a_tile_built_by_one_process_is_served_by_another_without_building(client, official):
    client.force_login(official)
    url = _url()
    with CaptureQueriesContext(connection) as first:
        built = client.get(url)
    assert built.status_code == 200 and _built(first)
    ((key, versions, size),) = _rows()
    assert key.startswith("tiles:mvt:pipes:15:") and size == len(built.content)

    _another_process()
    with CaptureQueriesContext(connection) as second:
        shared = client.get(url)
    assert not _built(second)
    assert shared.content == built.content and shared["ETag"] == built["ETag"]
    with CaptureQueriesContext(connection) as third:  # now in this process's memory
        client.get(url)
    assert not _built(third) and not any("tile_cache" in q["sql"] for q in third.captured_queries)


def test_a_write_gives_new_keys_and_the_older_rows_go(client, official):
    client.force_login(official)
    url = _url()
    client.get(url)
    ((old_key, old_versions, _),) = _rows()
    rewrite_one_row("layers_pipesegment")  # a data version moves
    _another_process()
    with CaptureQueriesContext(connection) as rebuilt:
        client.get(url)
    assert _built(rebuilt)
    ((new_key, new_versions, _),) = _rows()  # the old digest's row was deleted
    assert new_key != old_key and new_versions != old_versions


def test_a_broken_shared_table_still_serves_the_tile(client, official):
    """The table gone (rolled back with the test): the tile is built and served, 200."""
    client.force_login(official)
    url = _url()
    expected = client.get(url).content
    _another_process()
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE tile_cache.tiles RENAME TO tiles_elsewhere")
    response = client.get(url)
    assert response.status_code == 200 and response.content == expected


def test_emptied_data_versions_take_the_shared_tiles_with_them(client, official):
    """A flush (a test runner's TRUNCATE) restarts the counters, so digests could repeat."""
    client.force_login(official)
    client.get(_url())
    assert _rows()
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE kept AS SELECT * FROM layers_layerversion")
        cur.execute("DELETE FROM layers_layerversion")
        cur.execute("INSERT INTO layers_layerversion SELECT * FROM kept")
    assert _rows() == []


def test_a_shared_tile_is_read_by_the_tile_statement_which_then_builds_nothing():
    """One statement looks the key up and, only when it is absent, builds the tile: a row
    stored under the key (bytes no query would build) is what it answers, and EXPLAIN ANALYZE
    shows the building branch never executed; an absent key gives the built tile."""
    with scope_bound(lambda: EVERYWHERE):
        sql, params = tile_sql("pipes", *_zone_address(), include_hidden=False, year=2024)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO tile_cache.tiles (key, versions, content) VALUES ('k1', 'v', 'stored')"
        )
    assert tile_cache_shared_or_build("k1", sql, params) == (b"stored", True)
    built, shared = tile_cache_shared_or_build("k2", sql, params)
    assert not shared and mapbox_vector_tile.decode(built)["pipes"]["features"]
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF) " + shared_or_build_sql(sql), ["k1", *params])
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert "Subquery Scan" in plan and "(never executed)" in plan.split("Subquery Scan")[1]


def _zone_address() -> tuple[int, int, int]:
    point = SupplyZone.objects.get(code="SZ02").geom.point_on_surface
    return (15, *lonlat_to_tile(point.x, point.y, 15))


def test_a_failing_call_after_the_response_is_logged_and_the_others_still_run(caplog):
    """The client already has its tile: a failing store (here any error, not only the
    database's) must not reach the WSGI server, nor stop the calls after it."""
    made = []

    def broken():
        raise RuntimeError("connection already closed")

    run_after_response([broken, lambda: made.append("stored")])
    assert made == ["stored"] and "after a tile's response failed" in caplog.text

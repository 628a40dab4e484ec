"""The tile proxy (docker/proxy/nginx.conf, run by a real nginx: tests/tile_proxy.py) in front of
the live site: a tile asked again is served from the proxy's cache, to readers given the same
key only; a logout, a write or another reader's scope is honoured within the key's second.

Here the proxy is nginx and the application the live server over the demo county (its own
sessions, committed). Each request is a new connection, as in the benchmarks."""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlparse

import pytest

from tests.benchmarks.peer_servers import OFFICIAL, free_port, login
from tests.e2e.conftest import committed_sql
from tests.tile_proxy import TileProxy

pytestmark = pytest.mark.django_db

ADMIN = ("admin", "Admin#Lianzhou2026")  # the demo's administrator (README)
# The key's second in the proxy (proxy_cache_valid 204 1s: nginx counts whole seconds, so an
# entry lives 1-2 s), and some slack.
KEY_SECONDS = 2.0
SLACK = 0.3


@pytest.fixture(scope="module")
def proxy(site):
    port = urlparse(site.url).port
    running = TileProxy(free_port(), f"127.0.0.1:{port}")
    yield running
    running.stop()


def get(port: int, path: str, cookie: str = "", **headers) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        sent = {"Host": "localhost", **({"Cookie": cookie} if cookie else {}), **headers}
        conn.request("GET", path, headers=sent)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def tile_path(proxy, cookie: str) -> str:
    """A pipes tile of the demo that holds features (z14 over the first supply zone)."""
    from layers.tiles import lonlat_to_tile
    from network.models import SupplyZone

    point = SupplyZone.objects.order_by("code").first().geom.point_on_surface
    z, x, y = 14, *lonlat_to_tile(point.x, point.y, 14)
    return f"/tiles/pipes/{z}/{x}/{y}.pbf?year=2024"


def session_key(cookie: str) -> str:
    return dict(p.strip().split("=", 1) for p in cookie.split(";"))["sessionid"]


def test_a_tile_asked_again_is_served_by_the_proxy(proxy, site):
    """First a MISS (built by the application), then HITs: the same bytes and ETag as the
    application's own answer, without its X-Tile-Key (for the proxy only); If-None-Match on a
    HIT: 304 from the proxy."""
    cookie = login(proxy.port, OFFICIAL)["Cookie"]
    path = tile_path(proxy, cookie)
    committed_sql("DELETE FROM tile_cache.tiles", [])
    first = get(proxy.port, path + "&t=first", cookie)
    again = get(proxy.port, path + "&t=first", cookie)
    direct = get(urlparse(site.url).port, path, cookie)
    assert first[0] == again[0] == direct[0] == 200
    assert (first[1]["X-Cache-Status"], again[1]["X-Cache-Status"]) == ("MISS", "HIT")
    assert first[2] == again[2] == direct[2]
    for name in ("ETag", "Content-Type"):
        assert again[1][name] == direct[1][name]
    assert "X-Tile-Key" in direct[1]
    assert "X-Tile-Key" not in first[1] and "X-Tile-Key" not in again[1]
    status, headers, body = get(proxy.port, path + "&t=first", cookie, **{
        "If-None-Match": again[1]["ETag"]
    })  # fmt: skip
    assert (status, body) == (304, b"")


def test_readers_of_other_scopes_never_share_a_tile(proxy, site):
    """The official (Lianzhou) and the administrator (every county) ask the same URL: each
    gets the tile the application gives them, under their own key (the application's)."""
    official = login(proxy.port, OFFICIAL)["Cookie"]
    admin = login(proxy.port, ADMIN)["Cookie"]
    path = tile_path(proxy, official) + "&t=scopes"
    seen = {}
    for name, cookie in (("official", official), ("admin", admin), ("official", official)):
        status, headers, body = get(proxy.port, path, cookie)
        direct = get(urlparse(site.url).port, path, cookie)
        assert (status, body) == (200, direct[2]) and "X-Tile-Key" not in headers
        seen.setdefault(name, []).append({**headers, "key": direct[1]["X-Tile-Key"]})
    assert seen["official"][0]["key"] != seen["admin"][0]["key"]
    assert seen["admin"][0]["X-Cache-Status"] == "MISS"  # not the official's tile
    assert seen["official"][1]["X-Cache-Status"] == "HIT"


def test_no_login_gets_the_application_s_answer(proxy, site):
    """No session: the key is refused, and the application answers the tile itself (its
    JSON error), never a cached tile."""
    path = tile_path(proxy, "") + "&t=nologin"
    cookie = login(proxy.port, OFFICIAL)["Cookie"]
    assert get(proxy.port, path, cookie)[0] == 200  # now in the cache
    status, headers, body = get(proxy.port, path)
    direct = get(urlparse(site.url).port, path)
    assert status == direct[0] and status in (401, 403)
    assert body == direct[2] and b'"error"' in body
    assert "X-Cache-Status" not in headers
    forged = get(proxy.port, path, "sessionid=forged0000000000000000000000000000")
    assert forged[0] in (401, 403)


def test_a_logout_holds_within_the_key_s_second(proxy, site):
    """The session deleted (what a logout does): within KEY_SECONDS the proxy asks the key
    again, is refused, and the tile goes to the application, which refuses it."""
    cookie = login(proxy.port, OFFICIAL)["Cookie"]
    path = tile_path(proxy, cookie) + "&t=logout"
    assert get(proxy.port, path, cookie)[0] == 200
    assert get(proxy.port, path, cookie)[1]["X-Cache-Status"] == "HIT"
    committed_sql("DELETE FROM django_session WHERE session_key = %s", [session_key(cookie)])
    time.sleep(KEY_SECONDS + SLACK)
    status, headers, _body = get(proxy.port, path, cookie)
    assert status in (401, 403)
    assert "X-Cache-Status" not in headers


def test_a_write_gives_new_tiles_within_the_key_s_second(proxy, site):
    """A pipe rewritten by a committed write (its trigger bumps a data version): within
    KEY_SECONDS the reader's key is new, so the tile is built again (MISS) under it, then
    served from the cache again."""
    cookie = login(proxy.port, OFFICIAL)["Cookie"]
    path = tile_path(proxy, cookie) + "&t=write"
    key_before = get(urlparse(site.url).port, path, cookie)[1]["X-Tile-Key"]
    get(proxy.port, path, cookie)
    assert get(proxy.port, path, cookie)[1]["X-Cache-Status"] == "HIT"
    committed_sql(  # a write behind the application's back: its trigger bumps a data version
        "UPDATE layers_pipesegment SET id = id WHERE id = (SELECT min(id) FROM layers_pipesegment)",
        [],
    )
    time.sleep(KEY_SECONDS + SLACK)
    after = get(proxy.port, path, cookie)
    assert get(urlparse(site.url).port, path, cookie)[1]["X-Tile-Key"] != key_before
    assert after[1]["X-Cache-Status"] == "MISS"
    assert get(proxy.port, path, cookie)[1]["X-Cache-Status"] == "HIT"


def test_a_token_is_checked_on_every_tile(proxy, site):
    """An API token (desktop clients): its key is asked every time (never kept by the proxy)
    and the tiles it is given are those of its user's scope."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    official = get_user_model().objects.get(username="official")
    key = "0123456789abcdef0123456789abcdef01234567"
    committed_sql(
        "INSERT INTO authtoken_token (key, user_id, created) VALUES (%s, %s, now()) "
        "ON CONFLICT DO NOTHING",
        [key, official.id],
    )
    try:
        path = tile_path(proxy, "") + "&t=token"
        token = {"Authorization": f"Token {key}"}
        first = get(proxy.port, path, **token)
        again = get(proxy.port, path, **token)
        assert (first[0], again[1]["X-Cache-Status"]) == (200, "HIT")
        committed_sql("DELETE FROM authtoken_token WHERE key = %s", [key])
        assert get(proxy.port, path, **token)[0] == 401  # at once: no second's grace
    finally:
        committed_sql("DELETE FROM authtoken_token WHERE key = %s", [key])
    assert not Token.objects.filter(key=key).exists()


def test_a_planted_cookie_never_lends_a_reader_s_key(proxy, site):
    """A browser sending `SESSIONID=X; sessionid=<official's>` (a cookie planted by another
    site): the key is kept for that whole Cookie header, so a request with `sessionid=X` alone
    (no real session) is refused, never given the official's cached tile."""
    cookie = login(proxy.port, OFFICIAL)["Cookie"]
    path = tile_path(proxy, cookie) + "&t=planted"
    planted = f"SESSIONID=planted0000000000000000000000000; {cookie}"
    assert get(proxy.port, path, planted)[0] == 200
    assert get(proxy.port, path, planted)[1]["X-Cache-Status"] == "HIT"
    status, headers, _body = get(proxy.port, path, "sessionid=planted0000000000000000000000000")
    assert status in (401, 403)
    assert "X-Cache-Status" not in headers


def test_an_unknown_layer_or_odd_path_gets_the_application_s_answer(proxy, site):
    """The key endpoint's 404 (an unknown layer) goes to the application: its 404, not a 500."""
    cookie = login(proxy.port, OFFICIAL)["Cookie"]
    assert get(proxy.port, "/tiles/nothing/14/1/1.pbf", cookie)[0] == 404

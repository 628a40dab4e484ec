"""GET /tiles/<slug>/key: what a caching proxy keys a reader's tiles on besides their URL (the
tile format, the reader's area scope, the data versions), the same as each tile's X-Tile-Key
(layers/api_tiles.py; the proxy itself: tests/e2e/test_tile_proxy.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from accounts.models import AreaMembership
from layers.models import AdminArea
from layers.tiles import FORMAT_VERSION, lonlat_to_tile
from network.models import SupplyZone
from tests.helpers import rewrite_one_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def tile_url() -> str:
    point = SupplyZone.objects.order_by("code").first().geom.point_on_surface
    z, x, y = 14, *lonlat_to_tile(point.x, point.y, 14)
    return f"/tiles/pipes/{z}/{x}/{y}.pbf?year=2024"


def key_of(client, slug: str = "pipes", **headers) -> str:
    response = client.get(f"/tiles/{slug}/key", **headers)
    assert response.status_code == 204, response.content[:300]
    assert response.content == b""
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    return response["X-Tile-Key"]


def tile_key_of(client, **headers) -> str:
    response = client.get(tile_url(), **headers)
    assert response.status_code in (200, 204), response.content[:300]  # 204: an empty tile
    return response["X-Tile-Key"]


def test_the_key_is_the_tile_s_and_names_format_scope_and_versions(client, official):
    """Lianzhou's official: '<format>.c<Lianzhou's id>.<digest of the data versions>', the
    same on the tile and on the key endpoint."""
    client.force_login(official)
    key = key_of(client)
    lianzhou = official.area_membership.area_id
    fmt, scope, digest = key.split(".")
    assert (fmt, scope, len(digest)) == (str(FORMAT_VERSION), f"c{lianzhou}", 32)
    assert tile_key_of(client) == key


def test_readers_of_other_areas_get_other_keys(client, official, django_user_model):
    """The same tile URL: Lianzhou's official, the administrator (every county: 'all') and a
    member of another county each get their own key, as their tiles hold other rows."""
    other = AdminArea.objects.create(
        code="449901",
        name="测试县",
        level="county",
        geom=MultiPolygon(Polygon.from_bbox((113.5, 24.0, 113.6, 24.1)), srid=4326),
    )
    stranger = django_user_model.objects.create_user("stranger", password="x")
    stranger.groups.add(Group.objects.get(name="official"))
    AreaMembership.objects.create(user=stranger, area=other)
    keys = {}
    for user in (official, django_user_model.objects.get(username="admin"), stranger):
        client.force_login(user)
        keys[user.username] = key_of(client)
        assert tile_key_of(client) == keys[user.username]
    assert keys["admin"].split(".")[1] == "all"
    assert keys["stranger"].split(".")[1] == f"c{other.id}"
    assert len(set(keys.values())) == 3


def test_a_write_anywhere_gives_a_new_key(client, official):
    """A row written behind Django's back (its trigger bumps a data version): a new key, on
    the endpoint and on the tile alike."""
    client.force_login(official)
    before = key_of(client)
    rewrite_one_row("layers_pipesegment")
    after = key_of(client)
    assert after != before
    assert tile_key_of(client) == after


def test_a_token_gets_the_same_key_as_the_session(client, api_client, official):
    client.force_login(official)
    token = Token.objects.create(user=official)
    assert key_of(api_client, HTTP_AUTHORIZATION=f"Token {token.key}") == key_of(client)


def test_no_login_no_permission_no_layer(client, official, django_user_model):
    """No login: refused as the tile is; an unknown layer or the combined `all` tile: 404."""
    assert client.get("/tiles/pipes/key").status_code in (401, 403)
    assert client.get(tile_url()).status_code == client.get("/tiles/pipes/key").status_code
    client.force_login(official)
    assert client.get("/tiles/nothing/key").status_code == 404
    assert client.get("/tiles/all/key").status_code == 404
    nobody = django_user_model.objects.create_user("no-role", password="x")
    client.force_login(nobody)
    assert client.get("/tiles/pipes/key").status_code == client.get(tile_url()).status_code

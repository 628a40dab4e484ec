"""The overlay PNG's world file (/rasters/<slug>/overlay.pgw) and the overlay read with a token,
for desktop GIS (docs/desktop-clients.md)."""

from __future__ import annotations

import struct

import pytest
from pyproj import Transformer
from rest_framework.authtoken.models import Token

from rasters.models import RasterLayer
from rasters.overlay import world_file


class WorldFileTests:
    def test_hand_made_grid(self):
        """A 2 × 2 raster already in EPSG:3857, 10 m cells, top-left corner (1000, 2000): the
        overlay grid is the raster's own, so the world file says 10, 0, 0, −10 and the centre
        of the top-left cell, (1000 + 10/2, 2000 − 10/2) = (1005, 1995)."""
        layer = RasterLayer(srid=3857, width=2, height=2, transform=[10, 0, 1000, 0, -10, 2000])
        values = [float(line) for line in world_file(layer).splitlines()]
        assert values == pytest.approx([10, 0, 0, -10, 1005, 1995])


def _png_size(content: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", content[16:24])


@pytest.mark.django_db
class WorldFileEndpointTests:
    def test_world_file_places_the_png_on_the_listed_bounds(self, client, official):
        """The PNG's corners from the world file (centre of the top-left pixel minus half a
        pixel; plus width × pixel size) carried to lon/lat are the list API's bounds."""
        client.force_login(official)
        listed = {r["slug"]: r for r in client.get("/api/v1/rasters/").json()["rasters"]}
        overlay = listed["rainfall"]["overlay"]
        assert overlay["world_file"] == "/rasters/rainfall/overlay.pgw"
        response = client.get(overlay["world_file"])
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        a, d, b, e, c, f = (float(v) for v in response.content.decode().split())
        assert a > 0 and e < 0 and b == d == 0
        png = b"".join(client.get(overlay["url"]).streaming_content)
        width, height = _png_size(png)
        left, top = c - a / 2, f - e / 2
        right, bottom = left + a * width, top + e * height
        to_lonlat = Transformer.from_crs(3857, 4326, always_xy=True)
        west, south = to_lonlat.transform(left, bottom)
        east, north = to_lonlat.transform(right, top)
        (s, w), (n, e_) = overlay["bounds"]
        assert [west, south, east, north] == pytest.approx([w, s, e_, n], abs=1e-7)

    def test_overlay_and_world_file_with_a_token_not_anonymous(self, client, official):
        key = Token.objects.create(user=official).key
        for url in ("/rasters/elevation/overlay.png", "/rasters/elevation/overlay.pgw"):
            refused = client.get(url)
            assert refused.status_code == 401, url
            answered = client.get(url, HTTP_AUTHORIZATION=f"Token {key}")
            assert answered.status_code == 200, url

    def test_unknown_raster_is_404(self, client, official):
        client.force_login(official)
        assert client.get("/rasters/nope/overlay.pgw").status_code == 404

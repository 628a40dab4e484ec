"""The hillshade basemap: the formula on hand-made slopes, and the served PNG on the demo's
terrain raster (only the terrain raster has one)."""

import warnings

import numpy as np
import pytest
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile

from rasters.hillshade import hillshade


class HillshadeFormulaTests:
    def test_flat_ground_is_lit_by_the_sun_s_altitude(self):
        """Flat ground: illumination = cos(zenith) = sin(45°) ≈ 0.707 everywhere."""
        shade = hillshade(np.zeros((5, 5)), 30, 30)
        assert shade == pytest.approx(np.full((5, 5), np.sin(np.radians(45))))

    def test_a_slope_facing_the_north_west_sun_is_brighter_than_one_facing_away(self):
        """Ground rising 1 m per 30 m cell to the east faces west (towards a sun in the
        north-west): brighter than flat; rising to the west (facing east): darker."""
        east_rising = np.tile(np.arange(5.0), (5, 1))
        west_rising = east_rising[:, ::-1]
        flat = np.sin(np.radians(45))
        assert hillshade(east_rising, 30, 30)[2, 2] > flat > hillshade(west_rising, 30, 30)[2, 2]

    def test_a_slope_facing_north_beats_one_facing_south(self):
        """Rows run north → south: values growing with the row index rise to the south, so
        the ground faces north, towards the sun."""
        south_rising = np.tile(np.arange(5.0)[:, None], (1, 5))
        north_rising = south_rising[::-1]
        assert hillshade(south_rising, 30, 30)[2, 2] > hillshade(north_rising, 30, 30)[2, 2]


@pytest.mark.django_db
class HillshadeServedTests:
    def test_the_terrain_raster_has_a_hillshade_png_others_do_not(self, client, official):
        client.force_login(official)
        rasters = {r["slug"]: r for r in client.get("/api/v1/rasters/").json()["rasters"]}
        assert rasters["land-use"]["hillshade"] is None
        url = rasters["elevation"]["hillshade"]
        png = client.get(url)
        assert png.status_code == 200 and png["Content-Type"] == "image/png"
        with warnings.catch_warnings(), MemoryFile(b"".join(png.streaming_content)) as mem:
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with mem.open() as image:
                red, green, _blue, alpha = image.read()
        inside = alpha == 255
        assert inside.any()
        assert (red[inside] == green[inside]).all()  # grey, not coloured
        assert red[inside].std() > 2  # relief, not a flat tint
        assert client.get("/rasters/land-use/hillshade.png").status_code == 404

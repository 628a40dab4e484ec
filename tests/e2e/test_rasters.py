"""Raster layers on the officials' map in Chromium: the elevation overlay, its legend and
opacity, the value under a click, zonal statistics in a feature's popup."""

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import open_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

OVERLAY_JS = """() => {
  const img = document.querySelector('img.raster-elevation');
  return img && {src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
                 opacity: getComputedStyle(img).opacity};
}"""


class RasterMapTests:
    def test_elevation_overlay_and_value_on_click(self, page, site):
        open_map(page, site)
        page.wait_for_selector("body[data-rasters-ready='1']", state="attached")
        # The vector layer switcher keeps its nine layers and the place names; rasters have
        # their own control: the hillshade basemap (on) and the three rasters.
        assert page.locator(".leaflet-control-layers-overlays label").count() == 10
        assert page.locator(".raster-control input[type=checkbox]").count() == 4
        assert page.is_checked("#raster-hillshade")

        page.check("#raster-elevation")
        page.wait_for_function(
            "() => { const i = document.querySelector('img.raster-elevation');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        overlay = page.evaluate(OVERLAY_JS)
        assert "/rasters/elevation/overlay.png" in overlay["src"] and overlay["loaded"]
        legend = page.locator(".raster-legend[data-raster=elevation]")
        assert legend.is_visible() and " m" in legend.inner_text()

        page.locator(".raster-opacity[data-raster=elevation]").fill("30")
        assert page.evaluate(OVERLAY_JS)["opacity"] == "0.3"

        # A click in the county's north-west hills (no vector feature needs to be there).
        page.evaluate("window.__lianzhouTest.map.map.setView([25.05, 112.25], 12)")
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        value = page.wait_for_selector("#raster-value [data-raster=elevation]")
        text = value.inner_text()
        assert text.strip().endswith("m") and any(ch.isdigit() for ch in text)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-raster-elevation.png"))
        page.watch.assert_clean()

    def test_district_popup_shows_zonal_statistics(self, page, site):
        open_map(page, site)
        page.wait_for_selector("body[data-rasters-ready='1']", state="attached")
        page.check("#raster-land-use")
        page.fill("#search-q", "ID02")
        page.locator("#search-results li", has_text="ID02").first.click()
        zonal = page.wait_for_selector(
            ".leaflet-popup-content .raster-zonal [data-raster=land-use]"
        )
        assert "亩" in zonal.inner_text()
        page.wait_for_selector(".leaflet-popup-content .raster-zonal [data-raster=rainfall]")
        assert "mm" in page.inner_text(".leaflet-popup-content .raster-zonal")
        popup = page.inner_text(".leaflet-popup-content")
        assert "ID02" in popup
        page.screenshot(path=str(ARTIFACTS / "map-raster-popup.png"))
        page.watch.assert_clean()

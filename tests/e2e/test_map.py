"""The officials' map in Chromium: layers, failure style, popups, year switch, only failures."""

import json

import pytest

from demo.load import DEMO_ACCOUNTS
from tests.e2e.conftest import ARTIFACTS, committed_sql, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

FEATURE_JS = """([slug, code]) => {
  const entry = window.__lianzhouTest.map.geojson[slug];
  let found = null;
  entry.layer.eachLayer(l => { if (l.feature.properties.code === code) found = l; });
  if (!found) return null;
  return {status: found.feature.properties.compliance.status,
          stroke: found._path.getAttribute('stroke'),
          dash: found._path.getAttribute('stroke-dasharray'),
          width: found._path.getAttribute('stroke-width')};
}"""
COUNT_JS = """(slug) => { let n = 0;
  window.__lianzhouTest.map.geojson[slug].layer.eachLayer(() => n++); return n; }"""


def open_map(page, site):
    login(page, site.url, "official", DEMO_ACCOUNTS["official"][1])
    page.goto(f"{site.url}/map/")
    page.wait_for_selector("body[data-map-ready='1']", state="attached", timeout=30000)
    page.wait_for_selector("#verdict")


class OfficialMapTests:
    def test_layers_failures_popup_year_and_filter(self, page, site):
        open_map(page, site)
        switcher = page.locator(".leaflet-control-layers-overlays label")
        assert switcher.count() == 10  # the 9 layers, then the place names
        assert switcher.last.inner_text().strip() == "地名"
        styles = json.loads(
            page.evaluate("JSON.stringify(window.__lianzhouTest.map.styles.compliance)")
        )
        assert styles

        failing = page.evaluate(FEATURE_JS, ["supply-zones", "SZ04"])
        passing = page.evaluate(FEATURE_JS, ["supply-zones", "SZ02"])
        assert failing["status"] == "non_compliant" and passing["status"] == "compliant"
        # Failures differ by more than colour: a dash pattern or a heavier stroke.
        assert failing["stroke"] != passing["stroke"]
        assert failing["dash"] != passing["dash"] or failing["width"] != passing["width"]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map-official.png"))

        # The side panel lists SZ04; clicking it zooms there and opens its popup.
        page.locator("#failures li", has_text="SZ04").first.click()
        popup = page.wait_for_selector(".leaflet-popup-content .popup")
        row = popup.query_selector("tr[data-indicator='supply.leakage']")
        cells = [c.inner_text() for c in row.query_selector_all("td")]
        assert "%" in cells[1] and cells[2].startswith("10")
        assert "non_compliant" in row.query_selector_all("td")[3].get_attribute("class")
        page.screenshot(path=str(ARTIFACTS / "map-popup.png"))

        # WFZ03 fails in 2024 and complies in 2025: switching the year changes its verdict.
        before = page.evaluate(FEATURE_JS, ["water-function-zones", "WFZ03"])["status"]
        page.select_option("#year", "2024")
        page.wait_for_selector("body[data-map-ready='1']", state="attached")
        after = page.evaluate(FEATURE_JS, ["water-function-zones", "WFZ03"])["status"]
        assert (before, after) == ("compliant", "non_compliant")

        # Only failures: compliant zones disappear, failing ones stay.
        total = page.evaluate(COUNT_JS, "supply-zones")
        page.check("#only-failures")
        remaining = page.evaluate(COUNT_JS, "supply-zones")
        assert 0 < remaining < total
        assert page.evaluate(FEATURE_JS, ["supply-zones", "SZ02"]) is None
        page.screenshot(path=str(ARTIFACTS / "map-only-failures.png"))
        page.watch.assert_clean()

    def test_search_jumps_to_feature(self, page, site):
        open_map(page, site)
        page.fill("#search-q", "SP03")
        page.locator("#search-results li", has_text="SP03").first.click()
        popup = page.wait_for_selector(".leaflet-popup-content .popup")
        assert "SP03" in popup.inner_text()
        page.watch.assert_clean()

    def test_markup_in_names_shows_as_text(self, page, site):
        from layers.models import SewagePlant

        original = SewagePlant.objects.get(code="SP03").name
        rename = "UPDATE layers_sewageplant SET name = %s WHERE code = 'SP03'"
        committed_sql(rename, ["<img src=x onerror=alert(1)>"])
        try:
            self._check_markup(page, site)
        finally:
            committed_sql(rename, [original])

    def _check_markup(self, page, site):
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        open_map(page, site)
        page.fill("#search-q", "SP03")
        page.locator("#search-results li", has_text="SP03").first.click()
        popup = page.wait_for_selector(".leaflet-popup-content .popup")
        assert "<img src=x onerror=alert(1)>" in popup.inner_text()
        assert popup.query_selector("img") is None and dialogs == []
        page.watch.assert_clean()


BOX_JS = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom]; }"""


class MapLayoutTests:
    @pytest.mark.parametrize("size", [(1366, 768), (1440, 900)])
    def test_legend_and_switcher_apart_and_names_listed(self, page, site, size):
        """The layer switcher and the legend never overlap; a metric scale bar is drawn; the
        failing towns are listed by name, their code after it."""
        page.set_viewport_size({"width": size[0], "height": size[1]})
        open_map(page, site)
        page.wait_for_selector("#legend .row")
        a = page.evaluate(BOX_JS, ".leaflet-control-layers")
        b = page.evaluate(BOX_JS, "#legend")
        apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
        assert apart, (a, b)
        assert "m" in page.inner_text(".leaflet-control-scale-line")
        towns = page.locator("#failures ul[data-layer='towns'] li")
        assert towns.count() > 0
        first = towns.first.inner_text()
        assert first[0] not in "0123456789" and "（441882" in first  # name first, code after
        # Orientation without a basemap: the county's and the towns' names at county zoom,
        # none hidden behind another; the zoom level is shown.
        page.wait_for_selector(".place-town.place-shown span")
        shown = page.locator(".place-name.place-shown").all_inner_texts()
        assert "连州市" in shown and "连州镇" in shown
        assert len([n for n in shown if n.endswith(("镇", "乡"))]) >= 10
        boxes = page.evaluate(
            "[...document.querySelectorAll('.place-name.place-shown span')].map(e => {"
            " const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
        )
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
        assert page.inner_text(".zoom-level").startswith("缩放级别 ")
        # The layer switcher sits above the raster panel on every load.
        switcher = page.evaluate(BOX_JS, ".leaflet-control-layers")
        rasters = page.evaluate(
            BOX_JS, ".leaflet-top.leaflet-right > :not(.leaflet-control-layers)"
        )
        assert switcher[3] <= rasters[1]
        page.screenshot(path=str(ARTIFACTS / f"map-layout-{size[0]}.png"))
        page.watch.assert_clean()


class RoadLabelTests:
    def test_road_names_from_zoom_11_and_roads_in_their_own_look(self, page, site):
        """The roads are drawn in their grade's colour (styles/roads.json: expressways
        #c96f00), not the no-data grey of a judged feature without verdicts. Their names wait
        for zoom 11; at zoom 12 over 连州镇 the G4W2 expressway's name is on screen in its box,
        number first, and no shown name covers another."""
        open_map(page, site)
        assert page.evaluate(FEATURE_JS, ["roads", "G55"])["stroke"] == "#c96f00"
        assert page.evaluate("window.__lianzhouTest.map.map.getZoom()") < 11
        assert page.locator(".place-road.place-shown").count() == 0
        page.evaluate("window.__lianzhouTest.map.map.setView([24.76, 112.38], 12)")
        page.wait_for_selector(".place-road.place-shown span")
        label = page.locator(".place-road.road-expressway.place-shown span", has_text="许广高速")
        assert label.inner_text() == "G4W2 许广高速" and label.is_visible()
        box, frame = label.bounding_box(), page.evaluate(BOX_JS, "#map")
        assert frame[0] <= box["x"] and box["x"] + box["width"] <= frame[2]
        assert frame[1] <= box["y"] and box["y"] + box["height"] <= frame[3]
        boxes = page.evaluate(
            "[...document.querySelectorAll('.place-name.place-shown span')].map(e => {"
            " const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"
        )
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
        page.screenshot(path=str(ARTIFACTS / "map-road-names.png"))
        page.watch.assert_clean()

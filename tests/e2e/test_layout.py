"""Layouts at a laptop's 1366×768, 1440×900 and a projector's 1920×1080 (issue 17): on the map
(also with a raster and its legend on), the network editor and the consumption page, the
panels, legend, layer switcher, year switch and scorecard do not overlap, stay on screen, the
page never scrolls sideways, and no console error is logged."""

import pytest

from demo.load import DEMO_ACCOUNTS
from tests.e2e.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SIZES = [(1366, 768), (1440, 900), (1920, 1080)]

# name -> box [left, top, right, bottom] of the first visible element of each selector.
BOXES_JS = """(selectors) => {
  const out = {};
  Object.entries(selectors).forEach(([name, sel]) => {
    const e = [...document.querySelectorAll(sel)].find(x => x.offsetParent !== null);
    if (!e) { out[name] = null; return; }
    const r = e.getBoundingClientRect();
    out[name] = [r.left, r.top, r.right, r.bottom];
  });
  return out;
}"""
PAGE_JS = """() => ({scrollWidth: document.documentElement.scrollWidth,
  scrollHeight: document.documentElement.scrollHeight,
  width: window.innerWidth, height: window.innerHeight})"""

# Each page: the URL, who opens it, what to wait for, its parts (all must show), which must
# not overlap each other (the map's overlays, and the side panel beside the map), and whether
# the page fills the window without scrolling at all (the map pages).
MAP_PARTS = {
    "side": "aside.side",
    "year": "#year",
    "scorecard": "#scorecard",
    "map": "#map",
    "legend": "#legend",
    "switcher": ".leaflet-control-layers",
    "rasters": ".leaflet-top.leaflet-right > :not(.leaflet-control-layers)",
    "zoom": ".leaflet-control-zoom",
    "scale": ".leaflet-control-scale",
}
MAP_APART = [
    ("side", "map"),
    ("legend", "switcher"),
    ("legend", "rasters"),
    ("legend", "zoom"),
    ("legend", "scale"),
    ("switcher", "rasters"),
    ("switcher", "zoom"),
    ("year", "scorecard"),
]
PAGES = {
    "map": ("/map/", "official", "body[data-map-ready='1']", MAP_PARTS, MAP_APART, True),
    "editor": (
        "/network/edit/",
        "engineer",
        "#node-legend .row",
        {
            "side": "aside.editor-side",
            "map": "#editor-map",
            "legend": "#node-legend",
            "zoom": ".leaflet-control-zoom",
            "scale": ".leaflet-control-scale",
            "level": ".zoom-level",
        },
        [("side", "map"), ("legend", "zoom"), ("legend", "scale"), ("legend", "level")],
        True,
    ),
    "consumption": (
        "/consumption/",
        "official",
        "#legend .row",
        {
            "side": "aside.query-side",
            "run": "#run",
            "map": "#consumption-map",
            "legend": "#legend",
            "zoom": ".leaflet-control-zoom",
            "draw": ".leaflet-pm-toolbar",
            "chart": "#chart",
        },
        [("side", "map"), ("side", "chart"), ("map", "chart"), ("legend", "zoom")],
        False,
    ),
}


def apart(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def check_layout(page, parts, pairs, fills_window, size) -> None:
    boxes = page.evaluate(BOXES_JS, parts)
    frame = page.evaluate(PAGE_JS)
    missing = [name for name, box in boxes.items() if box is None]
    assert missing == [], f"not shown: {missing}"
    for first, second in pairs:
        assert apart(boxes[first], boxes[second]), (
            size,
            first,
            boxes[first],
            second,
            boxes[second],
        )
    assert frame["scrollWidth"] <= frame["width"], ("horizontal scroll", size, frame)
    for name, (left, top, right, bottom) in boxes.items():
        assert left >= 0 and right <= frame["width"] + 0.5, ("off screen", name, size)
        if fills_window or name not in ("chart", "side"):  # a document page scrolls down
            assert top >= 0 and bottom <= frame["height"] + 0.5, ("off screen", name, size)
    if fills_window:
        assert frame["scrollHeight"] <= frame["height"], ("page scrolls", size, frame)
    # Chinese text in the legend, nothing clipped: its content fits or it scrolls itself.
    legend = page.evaluate(
        "(() => { const e = document.querySelector("
        f"{parts['legend']!r}); return [e.scrollWidth, e.clientWidth, e.innerText]; }})()"
    )
    assert legend[0] <= legend[1] + 1, ("legend clipped sideways", size, legend[:2])
    assert any("\u4e00" <= ch <= "\u9fff" for ch in legend[2]), legend[2]


class LayoutTests:
    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    @pytest.mark.parametrize("name", list(PAGES))
    def test_parts_apart_and_on_screen(self, page, site, name, size):
        url, user, ready, parts, pairs, fills_window = PAGES[name]
        page.set_viewport_size({"width": size[0], "height": size[1]})
        login(page, site.url, user, DEMO_ACCOUNTS[user][1])
        page.goto(f"{site.url}{url}")
        page.wait_for_selector(ready, state="attached", timeout=30000)
        page.wait_for_load_state("networkidle")
        check_layout(page, parts, pairs, fills_window, size)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"layout-{name}-{size[0]}x{size[1]}.png"))
        page.watch.assert_clean()

    @pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
    def test_map_with_a_raster_and_its_legend(self, page, site, size):
        """The raster panel grows by the raster's legend when one is switched on; it still
        meets neither the layer switcher nor the map's legend."""
        page.set_viewport_size({"width": size[0], "height": size[1]})
        login(page, site.url, "official", DEMO_ACCOUNTS["official"][1])
        page.goto(f"{site.url}/map/")
        page.wait_for_selector("body[data-map-ready='1']", state="attached", timeout=30000)
        boxes = page.locator(".leaflet-top.leaflet-right input[type=checkbox][data-raster]")
        unchecked = [i for i in range(boxes.count()) if not boxes.nth(i).is_checked()]
        assert unchecked, "no raster to switch on"
        boxes.nth(unchecked[0]).check()
        page.wait_for_selector(".raster-legend", state="visible")
        page.wait_for_load_state("networkidle")
        check_layout(page, MAP_PARTS, MAP_APART, True, size)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"layout-map-raster-{size[0]}x{size[1]}.png"))
        page.watch.assert_clean()

"""The page scripts are ES modules: on the map, the consumption query and the network editor
they leave nothing on window but the browser tests' hook (gisapp/static/gisapp/test-hook.js).
The editor's writes and the CSRF token from the page: tests/e2e/test_editor.py."""

import pytest

from demo.load import DEMO_ACCOUNTS
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# The globals the classic scripts used to set.
OLD_GLOBALS = [
    "LianzhouDom",
    "LianzhouStyles",
    "LianzhouRasters",
    "lianzhouMap",
    "lianzhouMapState",
    "consumptionMap",
    "consumptionState",
    "LianzhouEditorApi",
    "LianzhouEditorPanels",
    "LianzhouEditor",
    "lianzhouEditorInit",
]
HOOK = "__lianzhouTest"
# The window's own properties that a fresh window (an empty iframe's) does not have.
GLOBALS_JS = """() => {
  const frame = document.createElement("iframe");
  document.body.appendChild(frame);
  const fresh = new Set(Object.getOwnPropertyNames(frame.contentWindow));
  frame.remove();
  return Object.getOwnPropertyNames(window).filter((k) => !fresh.has(k)).sort();
}"""
PAGES = [
    ("official", "/map/", "body[data-map-ready='1']"),
    ("planner", "/consumption/", "body[data-consumption-ready]"),
    ("engineer", "/network/edit/", "body[data-editor-ready='1']"),
]


def globals_on(page, site, username: str, path: str, ready: str) -> set[str]:
    login(page, site.url, username, DEMO_ACCOUNTS[username][1])
    page.goto(site.url + path)
    page.wait_for_selector(ready, state="attached", timeout=30000)
    page.wait_for_load_state("networkidle")
    return set(page.evaluate(GLOBALS_JS))


class ModuleGlobalsTests:
    @pytest.mark.parametrize(("username", "path", "ready"), PAGES)
    def test_only_the_test_hook_is_left_on_window(self, browser, page, site, username, path, ready):
        found = globals_on(page, site, username, path, ready)
        assert [name for name in OLD_GLOBALS if name in found] == []
        assert page.evaluate("(names) => names.filter((n) => n in window)", OLD_GLOBALS) == []
        assert HOOK in found

        # The same page without the site's own scripts: what the vendor libraries define
        # (Leaflet's L, echarts, and the many top-level names of VectorGrid's bundle).
        context = browser.new_context(locale="zh-CN")
        try:
            bare = context.new_page()
            bare.route("**/static/gisapp/*.js", lambda route: route.abort())
            vendor = globals_on(bare, site, username, path, ".leaflet-container")
        finally:
            context.close()
        assert found - vendor == {HOOK}
        page.watch.assert_clean()

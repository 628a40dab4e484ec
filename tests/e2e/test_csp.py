"""Every page satisfies the Content-Security-Policy: no `securitypolicyviolation` event and no
console error, each page opened as a role that may see it."""

import pytest

from demo.load import DEMO_ACCOUNTS
from network.models import PipeSegment
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# Recorded before any page script runs, so a violation during loading is seen too.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " "
    + (e.sourceFile || "") + ":" + (e.lineNumber || ""));
});
"""


def violations_on(page, url: str, ready: str) -> list[str]:
    page.goto(url)
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations")


def open_pages(page, site, username: str, pages: list[tuple[str, str]]) -> list[str]:
    page.add_init_script(RECORD_VIOLATIONS)
    found = violations_on(page, f"{site.url}/accounts/login/", "form.login")
    login(page, site.url, username, DEMO_ACCOUNTS[username][1])
    for path, ready in pages:
        found += [f"{path}: {v}" for v in violations_on(page, site.url + path, ready)]
    return found


class CspTests:
    def test_official_pages(self, page, site):
        found = open_pages(
            page,
            site,
            "official",
            [
                ("/map/", ".leaflet-container"),
                ("/data/", "main"),
                ("/reports/county/?year=2024", "main"),
                ("/api/v1/docs/", ".swagger-ui .info"),
            ],
        )
        assert found == []
        page.watch.assert_clean()

    def test_planner_pages(self, page, site):
        found = open_pages(
            page,
            site,
            "planner",
            [("/consumption/", ".leaflet-container"), ("/consumption/users/", "main")],
        )
        assert found == []
        page.watch.assert_clean()

    def test_engineer_editor(self, page, site):
        found = open_pages(page, site, "engineer", [("/network/edit/", ".leaflet-container")])
        assert found == []
        page.watch.assert_clean()

    def test_admin_pages(self, page, site):
        pipe = PipeSegment.objects.order_by("id").first()
        found = open_pages(
            page,
            site,
            "admin",
            [
                ("/admin/", "#content"),
                (f"/admin/network/pipesegment/{pipe.pk}/change/", ".leaflet-container"),
                ("/admin/audit/auditevent/", "#changelist"),
            ],
        )
        assert found == []
        page.watch.assert_clean()

    def test_folium_export_runs_under_its_own_policy(self, page, site):
        """The export is an attachment; served inline here with the server's own headers (its
        CSP included) so the browser renders it under that policy."""

        def inline(route):
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items() if k != "content-disposition"}
            route.fulfill(response=response, headers=headers)

        page.add_init_script(RECORD_VIOLATIONS)
        login(page, site.url, "official", DEMO_ACCOUNTS["official"][1])
        page.route("**/reports/map.html*", inline)
        found = violations_on(page, f"{site.url}/reports/map.html?year=2024", ".leaflet-container")
        # The map's own script ran: Leaflet drew the failing features.
        page.wait_for_selector(".leaflet-container path.leaflet-interactive", state="attached")
        assert found == []
        page.watch.assert_clean()

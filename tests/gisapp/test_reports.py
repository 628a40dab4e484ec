"""County reports: the offline folium export, the report page, its PDF, and the SVG map."""

import io
import os
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import shapely
from django.contrib.staticfiles import finders
from django.utils.html import escape
from pypdf import PdfReader
from shapely.geometry import Point, box

from compliance.evaluation import county_of
from compliance.selectors import scorecard
from gisapp.reports.pdf import BASE_URL as PDF_BASE_URL
from gisapp.reports.pdf import StaticFilesFetcher
from gisapp.reports.svg_map import SvgFeature, SvgLabel, SvgLayer, svg_map, swatch_svg
from network.models import SupplyZone

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
YEAR = 2024
EVIL = "<img src=x onerror=alert(1)>"
# The only http(s) strings an offline export may hold: the SVG namespace (not fetched), and
# Leaflet's attribution link and a comment inside leaflet.js.
ALLOWED_URLS = {
    "http://www.w3.org/2000/svg",
    "https://leafletjs.com",
    "https://bugzilla.mozilla.org/show_bug.cgi?id=888319",
}
# The failures the demo plants in 2024 on the mapped layers (see tests/compliance).
REPORT_PATHS = ["/reports/county/", "/reports/county.pdf", "/reports/map.html"]
KNOWN_FAILURES = {"SZ04", "WFZ03", "SP03", "ID02", "ID01"}


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def evil_zone(db):
    """The demo's leaking supply zone SZ04, renamed to an HTML injection attempt."""
    SupplyZone.objects.filter(code="SZ04").update(name=EVIL)
    return SupplyZone.objects.get(code="SZ04")


def export_html(client) -> str:
    response = client.get(f"/reports/map.html?year={YEAR}")
    assert response.status_code == 200, response.content[:500]
    return response.content.decode("utf-8")


def urls_in(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"'<>)\\]+", text))


@pytest.mark.django_db
class FailureMapExportTests:
    def test_download_is_an_html_attachment(self, official_client):
        response = official_client.get(f"/reports/map.html?year={YEAR}")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert (
            response["Content-Disposition"] == f"attachment; filename=lianzhou-failures-{YEAR}.html"
        )

    def test_no_remote_asset_links(self, official_client):
        html = export_html(official_client)
        assert urls_in(html) <= ALLOWED_URLS, urls_in(html) - ALLOWED_URLS
        assert not re.search(r"<script[^>]*\bsrc=", html)
        assert not re.search(r"<link[^>]*\bhref=", html)
        assert "@import" not in html
        # Leaflet itself is inlined, its images as data: URIs.
        assert "Leaflet 1.9" in html
        assert "url(data:image/png;base64," in html
        assert "url(images/" not in html

    def test_failing_features_carry_their_explanations(self, official_client):
        html = export_html(official_client)
        for code in KNOWN_FAILURES:
            assert f'"code": "{code}"' in html
        # SZ04 fails CJJ 92-2016: its popup gives the value and the threshold with units.
        assert "supply.leakage" in html
        assert "\\u2264 10%" in html or "≤ 10%" in html
        # Pipes are not in the export (no indicator judges a pipe); the failing water users
        # are, as on the map's list and in the report (tests/compliance/test_one_truth.py).
        assert '"diameter_mm"' not in html
        assert '"sector"' in html

    def test_feature_names_are_escaped(self, official_client, evil_zone):
        html = export_html(official_client)
        assert EVIL not in html
        # html.escape'd in the popup, then JSON-escaped by folium.
        assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html


@pytest.mark.django_db
class CountyReportPageTests:
    def test_page_shows_the_scorecard(self, official_client):
        card = scorecard(county_of(None), YEAR)
        response = official_client.get(f"/reports/county/?year={YEAR}")
        assert response.status_code == 200
        html = response.content.decode()
        for line in card["lines"]:  # by name, never by internal code
            assert f'<td class="name">{escape(line["name"])}' in html
            assert line["code"] not in html
        assert f'<strong class="total">{card["total"]:g}</strong>' in html
        assert f'<strong class="pass-line">{card["pass_line"]:g}</strong>' in html
        assert "@media print" in html
        assert '<svg xmlns="http://www.w3.org/2000/svg" class="svg-map"' in html

    def test_values_carry_their_units(self, official_client):
        html = official_client.get(f"/reports/county/?year={YEAR}").content.decode()
        # A 0–1 share shows as a percentage, a leakage rate in %, a use per GDP in m³/万元.
        assert re.search(r'<td class="num">\d+(\.\d+)?%</td>', html)
        assert "m³/万元" in html

    def test_failing_features_are_listed_by_layer(self, official_client):
        html = official_client.get(f"/reports/county/?year={YEAR}").content.decode()
        assert 'data-layer="supply-zones"' in html
        for code in KNOWN_FAILURES:
            assert f"<code>{code}</code>" in html

    def test_feature_names_are_escaped(self, official_client, evil_zone):
        html = official_client.get(f"/reports/county/?year={YEAR}").content.decode()
        assert EVIL not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html

    @pytest.mark.parametrize("path", ["/reports/county/", "/reports/map.html"])
    def test_a_constant_number_of_queries(
        self, official_client, django_assert_max_num_queries, path
    ):
        official_client.get(f"{path}?year={YEAR}")  # warm up
        # 18 today: session, user, permissions, freshness, results, one query per layer, the
        # scorecard and its indicators; never one per feature.
        with django_assert_max_num_queries(20):
            assert official_client.get(f"{path}?year={YEAR}").status_code == 200

    @pytest.mark.parametrize("year", ["20x4", "1899", "99999", "２０２４"])
    @pytest.mark.parametrize(
        "path", ["/reports/county/", "/reports/county.pdf", "/reports/map.html"]
    )
    def test_bad_year_is_a_400_page(self, official_client, path, year):
        response = official_client.get(f"{path}?year={year}")
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        assert "400" in response.content.decode()

    def test_login_is_required(self, client):
        response = client.get(f"/reports/county/?year={YEAR}")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_a_user_without_a_role_is_refused(self, client, django_user_model):
        nobody = django_user_model.objects.create_user("nobody", password="x-long-password")
        client.force_login(nobody)
        assert client.get(f"/reports/map.html?year={YEAR}").status_code == 403

    def test_unknown_area_is_a_404(self, official_client):
        response = official_client.get(f"/reports/county/?year={YEAR}&area=999999")
        assert response.status_code == 404


@pytest.mark.django_db
class CountyReportPdfTests:
    def test_pdf_holds_the_scorecard_total_and_pass_line(self, official_client):
        card = scorecard(county_of(None), YEAR)
        response = official_client.get(f"/reports/county.pdf?year={YEAR}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert (
            response["Content-Disposition"]
            == f"attachment; filename=lianzhou-compliance-{YEAR}.pdf"
        )
        assert response.content.startswith(b"%PDF")
        reader = PdfReader(io.BytesIO(response.content))
        text = "\n".join(page.extract_text() for page in reader.pages)
        compact = re.sub(r"\s+", " ", text)
        assert re.search(rf"\b{card['total']:g} / {card['max_total']:g}\b", compact), compact[:400]
        assert re.search(rf"\b{card['pass_line']:g}\b", compact)
        assert "连州市" in text  # Chinese text is real text, in an embedded CJK font
        fonts = {
            str(font["/BaseFont"])
            for page in reader.pages
            for font in page["/Resources"]["/Font"].values()
        }
        assert any("CJK" in name for name in fonts), fonts
        # The map is drawn on the first page as vectors, failing areas hatched (SVG patterns).
        assert "/Pattern" in reader.pages[0]["/Resources"]
        # Printed: no site navigation, and every scorecard line is there.
        assert "Log out" not in text and "退出登录" not in text
        flat = compact.replace(" ", "")
        assert all(line["name"].replace(" ", "") in flat for line in card["lines"])


class PdfFetcherTests:
    def test_static_files_come_from_disk(self):
        response = StaticFilesFetcher().fetch(f"{PDF_BASE_URL}static/gisapp/site.css")
        assert b"font-family" in response.read()

    @pytest.mark.parametrize(
        "url", ["https://example.com/x.png", "file:///etc/passwd", f"{PDF_BASE_URL}admin/"]
    )
    def test_nothing_else_is_fetched(self, url):
        with pytest.raises(ValueError, match="offline"):
            StaticFilesFetcher().fetch(url)


class SvgMapTests:
    """The static map is a pure function: shapes and paints in, escaped SVG out."""

    PAINT = {"stroke_color": "#333333", "stroke_width": 1, "fill_color": "#eeeeee"}

    def test_titles_are_escaped(self):
        svg = svg_map(
            [SvgLayer("towns", [SvgFeature(box(112, 24, 113, 25), self.PAINT, EVIL)])],
            title=EVIL,
        )
        assert EVIL not in svg
        assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in svg

    def test_polygons_become_paths_and_points_circles(self):
        svg = svg_map(
            [
                SvgLayer("zones", [SvgFeature(box(-0.5, -0.5, 0.5, 0.5), self.PAINT)]),
                SvgLayer("plants", [SvgFeature(Point(0, 0), self.PAINT | {"radius": 6})]),
            ],
            width=400,
            padding=0,
        )
        assert svg.count("<path ") == 1
        assert '<circle cx="200" cy="200" r="6"' in svg  # the centre of a square frame

    def test_place_names_never_overlap_and_the_scale_is_metric(self):
        """Two names on one point: the county's (priority 0) is drawn, the town's is left out;
        a third elsewhere is drawn. The frame is 1° of latitude across 400 px at the equator
        (111 km): the bar is the round length under a fifth of it, 20 km."""
        svg = svg_map(
            [SvgLayer("zones", [SvgFeature(box(-0.5, -0.5, 0.5, 0.5), self.PAINT)])],
            width=400,
            padding=0,
            labels=[
                SvgLabel(0, 0, "甲镇", "town", 1),
                SvgLabel(0, 0, "某县", "county", 0),
                SvgLabel(0.3, 0.3, "乙镇", "town", 1),
            ],
        )
        assert "某县" in svg and "乙镇" in svg and "甲镇" not in svg
        assert ">20 km</text>" in svg and "mi<" not in svg

    def test_hatch_becomes_a_pattern(self):
        hatch = {"color": "#d7191c", "angle": 45, "spacing": 7, "width": 2}
        paint = self.PAINT | {"hatch": hatch, "dash": "10 5"}
        svg = svg_map([SvgLayer("f", [SvgFeature(box(0, 0, 1, 1), paint)])], id_prefix="t")
        assert '<pattern id="t-hatch-1"' in svg
        assert 'fill="url(#t-hatch-1)"' in svg
        assert 'stroke-dasharray="10 5"' in svg

    def test_height_follows_the_shape(self):
        svg = svg_map(
            [SvgLayer("f", [SvgFeature(box(0, 0, 2, 1), self.PAINT)])], width=200, padding=0
        )
        assert 'viewBox="0 0 200 100"' in svg

    def test_no_external_reference(self):
        svg = svg_map([SvgLayer("f", [SvgFeature(shapely.buffer(Point(0, 0), 1), self.PAINT)])])
        svg += swatch_svg(self.PAINT, "Polygon", id_prefix="s")
        assert urls_in(svg) == {"http://www.w3.org/2000/svg"}
        assert "href" not in svg


# --- browser --------------------------------------------------------------------------------


@contextmanager
def chromium():
    """Debian's Chromium through Playwright. Start it only after the test's database work:
    while Playwright's event loop runs, Django would open a second connection outside the
    test's transaction."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _Watch:
    def __init__(self, page):
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))


@pytest.mark.browser
@pytest.mark.django_db
class FailureMapOfflineBrowserTests:
    def test_the_file_works_offline_from_disk(self, official_client, evil_zone, tmp_path):
        path = tmp_path / f"lianzhou-failures-{YEAR}.html"
        path.write_text(export_html(official_client), encoding="utf-8")
        with chromium() as browser:
            self.check_offline(browser, path)

    def check_offline(self, browser, path):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_offline(True)
        # Belt and braces: anything but the file itself is aborted (and recorded).
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("file://") else route.abort()
            ),
        )
        page = context.new_page()
        watch = _Watch(page)
        try:
            page.goto(path.as_uri())
            page.wait_for_selector(".leaflet-container path.leaflet-interactive")
            # The failing polygons and plants, and the towns, are drawn as SVG paths.
            paths = page.locator(".leaflet-overlay-pane svg path")
            assert paths.count() >= 12 + len(KNOWN_FAILURES)
            hatched = page.locator('.leaflet-overlay-pane path[fill="url(#failure-hatch)"]')
            assert hatched.count() >= 1
            assert page.locator("pattern#failure-hatch").count() == 1
            # Click the renamed zone: its popup shows the name as text, not as an element.
            page.evaluate(
                """() => {
                    for (const key in window) {
                        const group = window[key];
                        if (!(key.startsWith('geo_json_') && group && group.eachLayer)) continue;
                        group.eachLayer(l => {
                            if ((l.feature.properties || {}).code !== 'SZ04') return;
                            l.fire('click', {latlng: l.getBounds().getCenter()}, true);
                        });
                    }
                }"""
            )
            popup = page.wait_for_selector(".leaflet-popup-content")
            assert EVIL in popup.inner_text()
            assert "supply.leakage" in popup.inner_text()
            assert page.locator(".leaflet-popup-content img").count() == 0
            ARTIFACTS.mkdir(exist_ok=True)
            page.wait_for_timeout(500)  # let the map pan the popup into view (screenshot only)
            page.screenshot(path=str(ARTIFACTS / "folium-failures-offline.png"))
            assert watch.errors == [], watch.errors
            assert [u for u in watch.requests if not u.startswith(("file:", "data:"))] == []
        finally:
            context.close()


@pytest.mark.browser
@pytest.mark.django_db
class CountyReportBrowserTests:
    def test_the_report_page_renders_and_prints(self, official_client):
        html = official_client.get(f"/reports/county/?year={YEAR}").content
        with chromium() as browser:
            self.check_page(browser, html)

    def check_page(self, browser, html: bytes):
        origin = "http://reports.test"

        def serve(route):
            url = urlsplit(route.request.url)
            if url.path == "/reports/county/":
                return route.fulfill(body=html, content_type="text/html; charset=utf-8")
            if url.path.startswith("/static/") and (found := finders.find(url.path[8:])):
                return route.fulfill(path=found)
            return route.abort()

        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.route("**/*", serve)
        page = context.new_page()
        watch = _Watch(page)
        try:
            page.goto(f"{origin}/reports/county/?year={YEAR}")
            assert page.locator("table.scorecard tbody tr").count() >= 10
            map_box = page.locator("svg.svg-map").bounding_box()
            assert map_box and map_box["width"] > 400 and map_box["height"] > 300
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-county.png"), full_page=True)
            page.emulate_media(media="print")
            assert page.locator(".site-header").is_hidden()
            assert page.locator(".report-actions").is_hidden()
            page.screenshot(path=str(ARTIFACTS / "report-county-print.png"), full_page=True)
            assert watch.errors == [], watch.errors
            assert all(u.startswith(origin) for u in watch.requests), watch.requests
        finally:
            context.close()

"""The planner's consumption query in Chromium: towns over 2024 (table, chart, map), a drawn
polygon's total, the XLSX download read back, the URL restoring the whole query."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.db import connections

from demo.load import DEMO_ACCOUNTS
from tests.e2e.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ZONES_JS = "() => window.__lianzhouTest.consumption.zoneLayer.getLayers().length"
DRAWN_JS = "() => JSON.stringify(window.__lianzhouTest.consumption.drawn.toGeoJSON().geometry)"


# Metered users inside a polygon by a live spatial join, written out independently of the app.
USERS_INSIDE_SQL = """
SELECT count(DISTINCT u.id), coalesce(sum(c.volume_m3), 0)
FROM layers_wateruser u JOIN layers_consumption c ON c.user_id = u.id
WHERE ST_Intersects(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), u.geom)
  AND c.month BETWEEN '2024-01-01' AND '2024-12-01'"""


def fresh_sql(sql: str, params: list) -> tuple:
    """One read on a fresh connection: the test's own connection must stay out of Playwright's
    event loop (a query there leaves a session open behind the test database)."""
    conn = connections.create_connection("default")
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()
    finally:
        conn.close()


def wait_ready(page, run: int | None = None):
    selector = f"body[data-consumption-ready='{run}']" if run else "body[data-consumption-ready]"
    page.wait_for_selector(selector, state="attached", timeout=30000)


def draw_square(page):
    """Click a square on the map with Leaflet-Geoman's polygon tool (closing on the first)."""
    page.click(".leaflet-pm-icon-polygon")
    box = page.locator("#consumption-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(cx - 70, cy - 50), (cx + 70, cy - 50), (cx + 70, cy + 50), (cx - 70, cy + 50)]
    for x, y in [*corners, corners[0]]:
        page.mouse.click(x, y)
        page.wait_for_timeout(120)
    page.wait_for_selector("body[data-area-ready]", state="attached", timeout=20000)


class PlannerConsumptionTests:
    def test_query_draw_download_and_restore(self, page, site):
        login(page, site.url, "planner", DEMO_ACCOUNTS["planner"][1])
        page.goto(f"{site.url}/consumption/")
        wait_ready(page, 1)
        # The choropleth names its towns (no basemap needed to know where one is).
        page.wait_for_selector(".place-town.place-shown span")
        towns = page.locator(".place-town.place-shown").all_inner_texts()
        assert "连州镇" in towns and len(towns) >= 6, towns
        page.select_option("#zone-type", "town")
        page.fill("#start", "2024-01")
        page.fill("#end", "2024-12")
        page.check("#compare")
        page.click("#run")
        wait_ready(page, 2)
        assert page.locator("#query-error").inner_text() == ""

        # The table: one row per town, units in the headers, the API's numbers.
        rows = page.locator("#results tbody tr")
        assert rows.count() == 12
        headers = page.locator("#results thead th").all_inner_texts()
        assert any("(m³)" in h for h in headers)
        assert any("L/(person·day)" in h or "升/(人·日)" in h for h in headers)
        api = page.request.get(
            f"{site.url}/api/v1/consumption/?zone_type=town&start=2024-01&end=2024-12"
        ).json()
        first = api["results"][0]
        volume_cell = rows.first.locator("td[data-key='volume_m3']").inner_text()
        assert float(volume_cell.replace(",", "")) == pytest.approx(first["volume_m3"], abs=1)
        # The chart is an ECharts canvas; the map shows the twelve towns with a legend.
        assert page.locator("#chart canvas").count() >= 1
        assert page.evaluate(ZONES_JS) == 12
        legend = page.locator("#legend").inner_text()
        assert "m³" in legend
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "consumption-query.png"), full_page=True)

        # A drawn polygon: its users' volume equals an independent live spatial join; the
        # total adds the irrigation districts' share.
        draw_square(page)
        cell = page.locator("#area-total")
        total = float(cell.get_attribute("data-value"))
        users_volume = float(cell.get_attribute("data-users-value"))
        _users, expected = fresh_sql(USERS_INSIDE_SQL, [page.evaluate(DRAWN_JS)])
        assert users_volume == pytest.approx(expected, abs=0.01)
        assert total >= users_volume > 0
        page.screenshot(path=str(ARTIFACTS / "consumption-area.png"), full_page=True)

        # The XLSX download holds the same numbers as the table's query.
        with page.expect_download() as download:
            page.click("#download-xlsx")
        assert download.value.suggested_filename.endswith(".xlsx")
        book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        sheet = list(book["consumption"].iter_rows(values_only=True))
        assert len(sheet) == 13
        volume_col = next(i for i, h in enumerate(sheet[0]) if h.startswith("用水量 (m³)"))
        codes = {row[0]: row[volume_col] for row in sheet[1:]}
        for row in api["results"]:
            assert codes[row["zone_code"]] == pytest.approx(row["volume_m3"])

        # Reopening the URL restores the form, the table, the chart, the map and the area.
        url = page.url
        assert "start=2024-01" in url and "area=" in url and "compare=previous_year" in url
        page.goto("about:blank")
        page.goto(url)
        wait_ready(page, 1)
        page.wait_for_selector("body[data-area-ready]", state="attached", timeout=20000)
        assert page.input_value("#start") == "2024-01" and page.input_value("#end") == "2024-12"
        assert page.input_value("#zone-type") == "town"
        assert page.is_checked("#compare")
        assert page.locator("#results tbody tr").count() == 12
        assert page.locator("#results thead th[data-key='change_percent']").count() == 1
        assert page.locator("#chart canvas").count() >= 1
        assert page.evaluate(ZONES_JS) == 12
        restored = float(page.locator("#area-total").get_attribute("data-value"))
        # Vertices are kept to 1e-5° (~1 m) in the URL: a district cut by the drawn area is
        # prorated by an area that moves by up to ~1 m x its cut edge, a few 1e-4 of the total.
        assert restored == pytest.approx(total, rel=1e-3)
        page.screenshot(path=str(ARTIFACTS / "consumption-restored.png"), full_page=True)
        page.watch.assert_clean()

    def test_users_page(self, page, site):
        login(page, site.url, "planner", DEMO_ACCOUNTS["planner"][1])
        page.goto(f"{site.url}/consumption/users/?year=2024&status=over_plan")
        rows = page.locator("#users-table tbody tr[data-code]")
        assert rows.count() >= 1
        assert "status-over_plan" in rows.first.locator("td").nth(8).get_attribute("class")
        page.screenshot(path=str(ARTIFACTS / "consumption-users.png"), full_page=True)
        page.watch.assert_clean()

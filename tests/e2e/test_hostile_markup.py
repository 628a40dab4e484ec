"""Markup and script in every text field any page or popup shows: no script runs anywhere.

Every name, river, company, crop, zone type, leak cause and verdict explanation of the demo
county (and one pipe's and one node's code) is overwritten, in committed rows the live server
sees, with payloads that would set window.__xss or open a dialog if they ever became markup;
the map (layers, search, popups), the data page, the network editor, the consumption pages,
the county report and the offline folium export are opened; afterwards every row is restored
from a backup table and the cache is cleared.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from demo.load import DEMO_ACCOUNTS
from tests.e2e.conftest import committed_sql, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
SCRIPT = "<script>window.__xss=1;alert(1)</script>"
SHORT = "<svg onload=__xss=1>"  # fits a 32-character code
# table → {column: payload}; every free-text column shown on a page or in a popup.
FIELDS = {
    "layers_adminarea": {"name": IMG},
    "layers_waterfunctionzone": {"name": IMG, "river": SCRIPT, "level1_type": SHORT},
    "layers_irrigationdistrict": {"name": IMG, "main_crop": SHORT},
    "layers_supplyzone": {"name": IMG, "company": SCRIPT},
    "layers_sewageplant": {"name": SCRIPT},
    "layers_wateruser": {"name": IMG},
    "layers_leakrecord": {"cause": SCRIPT},
    "compliance_result": {"explanation_zh": IMG, "explanation_en": SCRIPT},
}
# One pipe's and one node's code (codes are keys: only one row each).
CODES = {"layers_pipesegment": SHORT, "layers_pipenode": SHORT}
XSS_JS = "() => [typeof window.__xss, document.querySelectorAll('script:not([src])').length]"


def _backup(table: str) -> str:
    return f"hostile_backup_{table}"


@pytest.fixture
def hostile_rows(site):
    """Overwrite the text columns in committed rows; restore them whatever happens."""
    for table, columns in FIELDS.items():
        cols = ", ".join(columns)
        committed_sql(f"DROP TABLE IF EXISTS {_backup(table)}", [])
        committed_sql(f"CREATE TABLE {_backup(table)} AS SELECT id, {cols} FROM {table}", [])  # noqa: S608
        sets = ", ".join(f"{c} = %s" for c in columns)
        committed_sql(f"UPDATE {table} SET {sets}", list(columns.values()))  # noqa: S608
    for table, payload in CODES.items():
        committed_sql(f"DROP TABLE IF EXISTS {_backup(table)}", [])
        committed_sql(
            f"CREATE TABLE {_backup(table)} AS SELECT id, code FROM {table} "  # noqa: S608
            "ORDER BY id LIMIT 1",
            [],
        )
        committed_sql(
            f"UPDATE {table} t SET code = %s FROM {_backup(table)} b WHERE t.id = b.id",  # noqa: S608
            [payload],
        )
    cache.clear()
    try:
        yield
    finally:
        restore = {**{t: list(c) for t, c in FIELDS.items()}, **{t: ["code"] for t in CODES}}
        for table, columns in restore.items():
            sets = ", ".join(f"{c} = b.{c}" for c in columns)
            committed_sql(
                f"UPDATE {table} t SET {sets} FROM {_backup(table)} b WHERE t.id = b.id",  # noqa: S608
                [],
            )
            committed_sql(f"DROP TABLE {_backup(table)}", [])
        cache.clear()


def _visit(page, url: str, dialogs: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    kind, inline = page.evaluate(XSS_JS)
    assert kind == "undefined" and dialogs == [], (url, kind, dialogs)


class HostileMarkupTests:
    def test_no_script_runs_on_any_page(self, page, site, hostile_rows, tmp_path):
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        login(page, site.url, "admin", DEMO_ACCOUNTS["admin"][1])

        # The map: every layer drawn, search listing payload names, popups opened.
        page.goto(f"{site.url}/map/")
        page.wait_for_selector("body[data-map-ready='1']", state="attached", timeout=30000)
        for query in ("SP", "W", "<", "script"):
            page.fill("#search-q", query)
            page.wait_for_timeout(400)
            items = page.locator("#search-results li")
            for i in range(min(items.count(), 3)):
                items.nth(i).click()
                page.wait_for_timeout(300)
                popup = page.query_selector(".leaflet-popup-content")
                if popup is not None:
                    assert popup.query_selector("img, script, svg") is None
        assert page.evaluate(XSS_JS)[0] == "undefined" and dialogs == []
        shown = page.inner_text("body")
        assert "<" in shown  # the payloads are shown, as text

        for path in (
            "/data/",
            "/network/edit/",
            "/consumption/?zone_type=town&start=2024-01&end=2024-12",
            "/consumption/users/",
            "/reports/county/",
            "/api/v1/docs/",
        ):
            _visit(page, f"{site.url}{path}", dialogs)

        # The offline folium export, opened from disk as a user would.
        export = page.request.get(f"{site.url}/reports/map.html")
        assert export.ok
        html = export.text()
        path = tmp_path / "map.html"
        path.write_text(html, encoding="utf-8")
        page.goto(path.as_uri())
        page.wait_for_timeout(1500)
        assert page.evaluate(XSS_JS)[0] == "undefined" and dialogs == []

"""Browser: an administrator imports a layer file — a refused file's rows named in Chinese,
then a good file checked (its changes listed, nothing written) and imported."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from demo.load import DEMO_ACCOUNTS
from layers.geometry import reproject
from layers.models import SewagePlant
from tests.e2e.conftest import ARTIFACTS, committed_sql, login
from tests.helpers import write_layer

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
CODE = "T-E2E-PLANT"
FIELDS = {"code": [CODE], "name": ["浏览器导入测试厂"], "design_capacity_m3d": [300.0],
          "effluent_grade": ["1A"]}  # fmt: skip
# East of Lianzhou town, inside the county.
WHERE = Point(112.40, 24.79)


class LayerImportBrowserTests:
    def test_admin_checks_then_imports_a_layer_file(self, page, site, tmp_path):
        try:
            self._import(page, site, tmp_path)
        finally:  # the live server committed the plant: take it out for the tests that follow
            committed_sql("DELETE FROM layers_sewageplant WHERE code = %s", [CODE])

    def _import(self, page, site, tmp_path):
        page.set_viewport_size({"width": 1366, "height": 768})
        login(page, site.url, "admin", DEMO_ACCOUNTS["admin"][1])
        page.goto(f"{site.url}/data/")
        page.click("a[href='/data/sewage-plants/import/']")
        wrong = write_layer(
            tmp_path / "wrong.gpkg", [reproject(WHERE, 4326, 4546)], FIELDS, crs="EPSG:4545"
        )
        page.set_input_files("input[name=file]", str(wrong))
        page.click("#check-form button[type=submit]")
        page.wait_for_selector("#import-errors")
        text = page.locator("#import-errors").inner_text()
        assert "位于县域之外" in text and "EPSG:4546" in text
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "layer-import-refused.png"), full_page=True)
        assert all("status of 400" in e for e in page.watch.errors), page.watch.errors
        page.watch.errors.clear()
        good = write_layer(tmp_path / "good.gpkg", [WHERE], FIELDS)
        page.set_input_files("input[name=file]", str(good))
        page.click("#check-form button[type=submit]")
        page.wait_for_selector("#import-changes")
        assert "新增 1 个" in page.inner_text("#import-result")
        assert CODE in page.inner_text("#import-changes")
        assert not SewagePlant.objects.filter(code=CODE).exists()
        page.screenshot(path=str(ARTIFACTS / "layer-import-checked.png"), full_page=True)
        page.click("#commit-form button[type=submit]")
        page.wait_for_selector("#import-result.ok >> text=已导入")
        assert SewagePlant.objects.filter(code=CODE).exists()
        page.watch.assert_clean()

"""Browser: an administrator checks a design institute's DXF drawing (issue 18) — writes the
mapping of its CAD layers on the import page and saves it for the source, sees the pipes it
would create and the entities it skips; the saved mapping is then offered for the next
drawing. Nothing is imported (the check writes nothing); the saved mapping is removed after."""

from __future__ import annotations

import json

import pytest

from demo.load import DEMO_ACCOUNTS
from network.models import PipeSegment
from tests.dataio.test_import_cad import DESIGN_INSTITUTE, drawing
from tests.e2e.conftest import ARTIFACTS, committed_sql, login
from tests.e2e.test_data_import import worker  # noqa: F401 — the background worker fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
NAME = "设计院 DXF（浏览器测试）"


class CadImportBrowserTests:
    def test_admin_checks_a_drawing_and_saves_its_mapping(self, page, site, worker, tmp_path):  # noqa: F811
        try:
            self._check(page, site, tmp_path)
        finally:
            committed_sql(
                "UPDATE dataio_importjob SET mapping_id = NULL WHERE mapping_id IN "
                "(SELECT id FROM dataio_importmapping WHERE name = %s)",
                [NAME],
            )
            committed_sql("DELETE FROM dataio_importmapping WHERE name = %s", [NAME])

    def _check(self, page, site, tmp_path):
        login(page, site.url, "admin", DEMO_ACCOUNTS["admin"][1])
        page.goto(f"{site.url}/data/pipes/import/")
        page.set_input_files("input[name=file]", str(drawing(tmp_path / "设计院管网.dxf")))
        page.fill("textarea[name=mapping_json]", json.dumps(DESIGN_INSTITUTE, ensure_ascii=False))
        page.fill("input[name=save_as]", NAME)
        page.fill("input[name=source]", "某市政设计院")
        page.click("#check-form button[type=submit]")
        page.wait_for_selector("#import-changes", timeout=60_000)
        assert "新增 3 个" in page.inner_text("#import-result")
        assert page.inner_text("#import-changes").count("SJY-") == 3
        notes = page.inner_text("#import-notes")
        assert "HATCH" in notes and "DIMENSION" in notes and "道路" in notes
        assert NAME in page.inner_text("#job-mapping")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "import-dxf-checked.png"), full_page=True)
        assert not PipeSegment.objects.filter(code__startswith="SJY-").exists()
        # The next drawing of the source: the saved mapping is offered and chosen.
        page.goto(f"{site.url}/data/pipes/import/")
        page.select_option("select[name=saved_mapping]", label=f"{NAME} (pipes)")
        page.set_input_files("input[name=file]", str(drawing(tmp_path / "第二批.dxf")))
        page.click("#check-form button[type=submit]")
        page.wait_for_selector("#import-changes", timeout=60_000)
        assert "新增 3 个" in page.inner_text("#import-result")
        page.watch.assert_clean()

"""Browser: an administrator imports files from the data page (issue 17) — a layer file refused
with its rows named in Chinese, then a good one checked (its changes listed, nothing written)
and imported; a records file and a GeoTIFF the same way. The background worker's own loop runs
in a thread beside the live server, as `make run` runs it beside the web server."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import psycopg
import pytest
from affine import Affine
from django.conf import settings
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from shapely.geometry import Point

from compliance.evaluation import county_of
from compliance.freshness import evaluated_years, stale_families
from compliance.worker import listener_conninfo, worker_loop
from demo.load import DEMO_ACCOUNTS
from layers.geometry import reproject
from layers.models import AreaYearStats, SewagePlant
from rasters.models import RasterLayer
from rasters.raster import write_geotiff
from tests.e2e.conftest import ARTIFACTS, committed_sql, login
from tests.helpers import wait_for, write_layer

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
CODE = "T-E2E-PLANT"
FIELDS = {"code": [CODE], "name": ["浏览器导入测试厂"], "design_capacity_m3d": [300.0],
          "effluent_grade": ["1A"]}  # fmt: skip
# East of Lianzhou town, inside the county.
WHERE = Point(112.40, 24.79)
# 20 x 20 cells of 100 m in EPSG:4546 around the county seat (112.38E 24.78N).
INSIDE = Affine(100, 0, 638_500, 0, -100, 2_742_500)


@pytest.fixture
def worker():
    """The background worker's loop in a thread, over the live server's database."""
    from django.db import connection

    stop = threading.Event()

    def run() -> None:
        try:
            worker_loop(listener_conninfo(), poll_seconds=2, settle_seconds=0.05,
                        should_stop=stop.is_set)  # fmt: skip
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    committed_sql("SELECT pg_notify('import_requested', 'stop')", [])
    thread.join(timeout=60)


def raster_keep(slug: str, folder: Path) -> tuple[dict, Path]:
    """The stored raster's row and a copy of its file (the import removes the replaced file)."""
    with psycopg.connect(listener_conninfo(), row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM layers_rasterlayer WHERE slug = %s", [slug]).fetchone()
    saved = folder / "kept.tif"
    shutil.copyfile(Path(settings.MEDIA_ROOT) / row["path"], saved)
    return row, saved


def raster_restore(row: dict, saved: Path) -> None:
    """The raster's row and file back as they were; the write bumps the rasters' data version
    (a trigger), and the worker (still running) re-evaluates the verdicts that read the raster
    before the test ends, so later tests see the demo's own verdicts."""
    shutil.copyfile(saved, Path(settings.MEDIA_ROOT) / row["path"])
    columns = [c for c in row if c not in ("id", "slug")]
    with psycopg.connect(listener_conninfo(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("UPDATE layers_rasterlayer SET ({}) = ROW({}) WHERE slug = %s").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            ),
            [Jsonb(v) if isinstance(v, (dict, list)) else v for v in (row[c] for c in columns)]
            + [row["slug"]],
        )
    county = county_of("441882")
    assert wait_for(
        lambda: all("irrigation" not in stale_families(county, y) for y in evaluated_years()),
        120,
    )


def check_and_import(page, name: str, result: str) -> str:
    """Wait for the check job's outcome, import, wait for the import's; the import's text."""
    page.wait_for_selector("#import-result", timeout=60_000)
    page.click("#commit-form button[type=submit]")
    page.wait_for_selector(f"#import-result.ok >> text={result}", timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"import-{name}-done.png"), full_page=True)
    return page.inner_text("#import-result")


class DataImportBrowserTests:
    def test_admin_checks_then_imports_a_layer_file(self, page, site, worker, tmp_path):
        try:
            self._layer(page, site, tmp_path)
        finally:  # the live server committed the plant: take it out for the tests that follow
            committed_sql("DELETE FROM layers_sewageplant WHERE code = %s", [CODE])

    def _layer(self, page, site, tmp_path):
        page.set_viewport_size({"width": 1366, "height": 768})
        login(page, site.url, "admin", DEMO_ACCOUNTS["admin"][1])
        page.goto(f"{site.url}/data/")
        page.click("a[href='/data/sewage-plants/import/']")
        wrong = write_layer(
            tmp_path / "wrong.gpkg", [reproject(WHERE, 4326, 4546)], FIELDS, crs="EPSG:4545"
        )
        page.set_input_files("input[name=file]", str(wrong))
        page.click("#check-form button[type=submit]")
        page.wait_for_selector("#import-errors", timeout=60_000)
        text = page.locator("#import-errors").inner_text()
        assert "位于县域之外" in text and "EPSG:4546" in text
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "import-layer-refused.png"), full_page=True)
        page.click("text=修改文件后重新上传")
        good = write_layer(tmp_path / "good.gpkg", [WHERE], FIELDS)
        page.set_input_files("input[name=file]", str(good))
        page.click("#check-form button[type=submit]")
        page.wait_for_selector("#import-changes", timeout=60_000)
        assert "新增 1 个" in page.inner_text("#import-result")
        assert CODE in page.inner_text("#import-changes")
        assert not SewagePlant.objects.filter(code=CODE).exists()
        page.screenshot(path=str(ARTIFACTS / "import-layer-checked.png"), full_page=True)
        assert "已导入" in check_and_import(page, "layer", "已导入")
        assert SewagePlant.objects.filter(code=CODE).exists()
        page.watch.assert_clean()

    def test_admin_imports_records_and_a_raster(self, page, site, worker, tmp_path):
        row, saved = raster_keep("rainfall", tmp_path)
        try:
            self._records_and_raster(page, site, tmp_path)
        finally:  # the demo's rainfall raster back, for the tests that follow
            raster_restore(row, saved)

    def _records_and_raster(self, page, site, tmp_path):
        page.set_viewport_size({"width": 1440, "height": 900})
        login(page, site.url, "admin", DEMO_ACCOUNTS["admin"][1])
        stats = AreaYearStats.objects.select_related("area").get(area__level="county", year=2025)
        population = stats.population
        csv = tmp_path / "统计.csv"
        csv.write_text(f"area_code,year,population\n{stats.area.code},2025,{population + 7}\n")
        page.goto(f"{site.url}/data/")
        page.click("a[href='/data/records/area-stats/import/']")
        page.set_input_files("input[name=file]", str(csv))
        page.click("#check-form button[type=submit]")
        text = check_and_import(page, "records", "已导入")
        assert "更新 1 行" in text
        assert AreaYearStats.objects.get(pk=stats.pk).population == population + 7
        committed_sql(
            "UPDATE layers_areayearstats SET population = %s WHERE id = %s", [population, stats.pk]
        )

        version = RasterLayer.objects.get(slug="rainfall").data_version
        tif = write_geotiff(tmp_path / "降雨.tif", np.full((20, 20), 1650.0, dtype=np.float32),
                            srid=4546, transform=INSIDE, nodata=-1)  # fmt: skip
        page.goto(f"{site.url}/data/")
        page.click("a[href='/data/rasters/rainfall/import/']")
        page.set_input_files("input[name=file]", str(tif))
        page.click("#check-form button[type=submit]")
        page.wait_for_selector("#import-notes", timeout=60_000)
        assert "EPSG:4546" in page.inner_text("#import-notes")
        check_and_import(page, "raster", "已导入")
        assert RasterLayer.objects.get(slug="rainfall").data_version == version + 1
        page.watch.assert_clean()

"""Imports in the browser as jobs (issue 17): an administrator uploads a layer, record or raster
file, a check job lists every change or every refused row (writing nothing), "import these
changes" queues the import of the checked file; jobs run in the background worker through the
same services as the commands. Here the queue is run by the worker's own function
(jobs_run_pending); tests/dataio/test_import_worker.py wakes the real worker loop."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest
import shapely
from affine import Affine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from audit.models import AuditEvent
from compliance.worker import listener_conninfo
from dataio.jobs import jobs_interrupted_mark, jobs_run_pending, staging_dir
from dataio.models import ImportJob
from layers.geometry import reproject
from layers.models import AreaYearStats, SewagePlant
from rasters.models import RasterLayer
from rasters.raster import write_geotiff
from tests.helpers import tables_fingerprint, write_layer

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
LAYER_URL = "/data/sewage-plants/import/"
RECORDS_URL = "/data/records/area-stats/import/"
RASTER_URL = "/data/rasters/rainfall/import/"
# 20 x 20 cells of 100 m in EPSG:4546 around the county seat (112.38E 24.78N).
INSIDE = Affine(100, 0, 638_500, 0, -100, 2_742_500)


@pytest.fixture
def admin_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.get(username="admin"))
    return client


def run_jobs() -> int:
    return jobs_run_pending(listener_conninfo())


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:500]
    job_id = re.fullmatch(r"/data/imports/([0-9a-f-]{36})/", response["Location"]).group(1)
    return ImportJob.objects.get(pk=job_id)


def page_of(client, job: ImportJob) -> str:
    got = client.get(f"/data/imports/{job.pk}/", **HOST)
    assert got.status_code == 200
    return got.content.decode()


def plants_upload(tmp_path, plants, capacities, *, srid=4326, crs=None) -> SimpleUploadedFile:
    geoms = [shapely.from_wkb(bytes(p.geom.wkb)) for p in plants]
    if srid != 4326:
        geoms = [reproject(g, 4326, srid) for g in geoms]
    path = write_layer(
        tmp_path / "plants.gpkg",
        geoms,
        {"code": [p.code for p in plants], "design_capacity_m3d": capacities},
        crs=crs or f"EPSG:{srid}",
    )
    return SimpleUploadedFile("污水厂.gpkg", path.read_bytes())


def stats_upload(tmp_path, rows: list[dict]) -> SimpleUploadedFile:
    path = tmp_path / "stats.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return SimpleUploadedFile("行政区统计.csv", path.read_bytes())


class LayerImportJobTests:
    def test_check_lists_the_changes_then_the_import_writes_them(self, admin_client, tmp_path):
        """Two stored plants re-sent with the first one's capacity +100 m³/d: the check job
        says 1 update (design_capacity_m3d) and 1 unchanged and writes nothing; the import
        job writes exactly that, is audited with the uploader's name, and the checked file
        cannot be imported twice."""
        plants = list(SewagePlant.objects.order_by("code")[:2])
        capacities = [plants[0].design_capacity_m3d + 100, plants[1].design_capacity_m3d]
        before = tables_fingerprint()
        check = job_of(
            admin_client.post(
                LAYER_URL, {"file": plants_upload(tmp_path, plants, capacities)}, **HOST
            )
        )
        assert check.state == "queued" and check.dry_run
        assert "job-progress" in page_of(admin_client, check)  # waiting: a progress bar
        assert run_jobs() == 1
        html = page_of(admin_client, check)
        assert "导入将新增 0 个、更新 1 个、停用 0 个；1 个不变" in html
        assert plants[0].code in html and "design_capacity_m3d" in html
        assert 'id="commit-form"' in html
        assert tables_fingerprint() == before
        job = job_of(admin_client.post(f"/data/imports/{check.pk}/", **HOST))
        assert not job.dry_run and job.checked_id == check.pk
        assert run_jobs() == 1
        assert "更新 1 个" in page_of(admin_client, job)
        assert SewagePlant.objects.get(pk=plants[0].pk).design_capacity_m3d == capacities[0]
        event = AuditEvent.objects.filter(kind="import").latest("created_at")
        assert event.actor == "admin" and event.object_id == "sewage-plants"
        assert not (staging_dir() / check.staged_name).exists()  # imported: file removed
        # Imported once: committing the check again shows that import, queues nothing.
        again = admin_client.post(f"/data/imports/{check.pk}/", **HOST)
        assert again.status_code == 302 and again["Location"] == f"/data/imports/{job.pk}/"
        assert ImportJob.objects.filter(checked=check).count() == 1
        assert 'id="follow-up"' in page_of(admin_client, check)

    def test_a_wrong_zone_is_refused_in_chinese_with_the_likely_system(
        self, admin_client, tmp_path
    ):
        """GK CM 111E coordinates declared as CM 108E: every row refused, the job page names
        EPSG:4546 as the likely coordinate system and offers no import; nothing written."""
        plants = list(SewagePlant.objects.order_by("code")[:2])
        upload = plants_upload(
            tmp_path, plants, [p.design_capacity_m3d for p in plants], srid=4546, crs="EPSG:4545"
        )
        before = tables_fingerprint()
        check = job_of(admin_client.post(LAYER_URL, {"file": upload}, **HOST))
        run_jobs()
        check.refresh_from_db()
        assert check.state == "refused" and check.error_count == 2
        html = page_of(admin_client, check)
        assert "文件被拒绝：2 处问题" in html
        assert "位于县域之外" in html and "看来是 EPSG:4546" in html
        assert 'id="commit-form"' not in html
        assert admin_client.post(f"/data/imports/{check.pk}/", **HOST).status_code == 400
        assert tables_fingerprint() == before

    def test_a_wrong_file_type_or_size_is_a_form_error_and_nothing_is_queued(
        self, admin_client, settings
    ):
        settings.LAYER_UPLOAD_MAX_BYTES = 1000
        jobs = ImportJob.objects.count()  # browser tests may have committed some
        wrong = SimpleUploadedFile("plants.txt", b"code\nA\n")
        got = admin_client.post(LAYER_URL, {"file": wrong}, **HOST)
        assert got.status_code == 400 and ".gpkg" in got.content.decode()
        big = SimpleUploadedFile("plants.gpkg", b"x" * 2000)
        got = admin_client.post(LAYER_URL, {"file": big}, **HOST)
        assert got.status_code == 400 and "最多 0 MB" not in got.content.decode()
        assert ImportJob.objects.count() == jobs


class RecordsImportJobTests:
    def test_area_stats_checked_then_imported(self, admin_client, tmp_path):
        """The county's 2024 population re-sent +1,000 persons: the check says 1 row would be
        updated and writes nothing; the import writes it."""
        stats = AreaYearStats.objects.select_related("area").get(area__level="county", year=2024)
        rows = [{"area_code": stats.area.code, "year": 2024, "population": stats.population + 1000}]
        check = job_of(
            admin_client.post(RECORDS_URL, {"file": stats_upload(tmp_path, rows)}, **HOST)
        )
        run_jobs()
        html = page_of(admin_client, check)
        assert "已检查 行政区统计.csv：1 行有效" in html and "更新 1 行" in html, html[-3000:]
        assert AreaYearStats.objects.get(pk=stats.pk).population == stats.population
        job = job_of(admin_client.post(f"/data/imports/{check.pk}/", **HOST))
        run_jobs()
        assert "已导入" in page_of(admin_client, job)
        assert AreaYearStats.objects.get(pk=stats.pk).population == stats.population + 1000

    def test_an_unknown_area_and_a_negative_population_are_named_by_row(
        self, admin_client, tmp_path
    ):
        rows = [
            {"area_code": "999999", "year": 2024, "population": 10},
            {"area_code": "441882", "year": 2024, "population": -5},
        ]
        before = tables_fingerprint()
        check = job_of(
            admin_client.post(RECORDS_URL, {"file": stats_upload(tmp_path, rows)}, **HOST)
        )
        run_jobs()
        check.refresh_from_db()
        assert check.state == "refused" and [e[0] for e in check.errors] == [2, 3]
        assert "999999" in page_of(admin_client, check)
        assert tables_fingerprint() == before


class RasterImportJobTests:
    def test_a_rainfall_grid_replaces_the_stored_one(self, admin_client, tmp_path):
        """A 20 × 20 grid of 1,600 mm around the county seat: the check says it would replace
        the stored rainfall raster (nothing written); the import stores it (data version +1)."""
        path = write_geotiff(
            tmp_path / "rain.tif",
            np.full((20, 20), 1600.0, dtype=np.float32),
            srid=4546,
            transform=INSIDE,
            nodata=-1,
        )
        stored = RasterLayer.objects.get(slug="rainfall")
        upload = SimpleUploadedFile("降雨.tif", path.read_bytes())
        check = job_of(admin_client.post(RASTER_URL, {"file": upload, "source": "测试"}, **HOST))
        run_jobs()
        html = page_of(admin_client, check)
        assert "将替换库中的栅格" in html and "EPSG:4546" in html
        assert RasterLayer.objects.get(slug="rainfall").data_version == stored.data_version
        job = job_of(admin_client.post(f"/data/imports/{check.pk}/", **HOST))
        run_jobs()
        assert "已导入" in page_of(admin_client, job)
        layer = RasterLayer.objects.get(slug="rainfall")
        assert layer.data_version == stored.data_version + 1 and layer.source == "测试"
        assert layer.statistics["min"] == layer.statistics["max"] == 1600.0

    def test_a_file_that_is_not_a_geotiff_is_refused(self, admin_client):
        upload = SimpleUploadedFile("rain.tif", b"not a tiff at all")
        check = job_of(admin_client.post(RASTER_URL, {"file": upload}, **HOST))
        run_jobs()
        check.refresh_from_db()
        assert check.state == "refused" and check.error_count >= 1


class JobAccessTests:
    def test_only_administrators(self, admin_client, tmp_path, django_user_model):
        plants = list(SewagePlant.objects.order_by("code")[:1])
        upload = plants_upload(tmp_path, plants, [plants[0].design_capacity_m3d])
        check = job_of(admin_client.post(LAYER_URL, {"file": upload}, **HOST))
        engineer = Client()
        engineer.force_login(django_user_model.objects.get(username="engineer"))
        for url in (LAYER_URL, RECORDS_URL, RASTER_URL, f"/data/imports/{check.pk}/"):
            assert engineer.get(url, **HOST).status_code == 403, url
        assert engineer.get("/data/", **HOST).content.decode().count("/import/") == 0
        assert admin_client.get("/data/", **HOST).content.decode().count("/import/") > 30

    def test_another_administrators_job_is_not_found(
        self, admin_client, tmp_path, django_user_model
    ):
        """A job is its uploader's (and superusers'): another (non-super) administrator gets
        404 for its page, its progress and its import."""
        plants = list(SewagePlant.objects.order_by("code")[:1])
        upload = plants_upload(tmp_path, plants, [plants[0].design_capacity_m3d + 1])
        check = job_of(admin_client.post(LAYER_URL, {"file": upload}, **HOST))
        run_jobs()
        other = django_user_model.objects.create_user("admin2", password="x")
        other.groups.add(Group.objects.get(name="admin"))
        client = Client()
        client.force_login(other)
        assert client.get(f"/data/imports/{check.pk}/", **HOST).status_code == 404
        assert client.get(f"/data/imports/{check.pk}/progress/", **HOST).status_code == 404
        assert client.post(f"/data/imports/{check.pk}/", **HOST).status_code == 404
        assert not ImportJob.objects.filter(checked=check).exists()

    def test_the_admin_lists_jobs_read_only_for_administrators(
        self, admin_client, tmp_path, django_user_model
    ):
        plants = list(SewagePlant.objects.order_by("code")[:1])
        upload = plants_upload(tmp_path, plants, [plants[0].design_capacity_m3d])
        check = job_of(admin_client.post(LAYER_URL, {"file": upload}, **HOST))
        listing = admin_client.get("/admin/dataio/importjob/", **HOST)
        assert listing.status_code == 200 and "污水厂.gpkg" in listing.content.decode()
        change = admin_client.post(
            f"/admin/dataio/importjob/{check.pk}/change/", {"state": "done"}, **HOST
        )
        assert change.status_code == 403
        engineer = Client()
        engineer.force_login(django_user_model.objects.get(username="engineer"))
        assert engineer.get("/admin/dataio/importjob/", **HOST).status_code in (302, 403)

    def test_unknown_targets_are_not_found(self, admin_client):
        for url in (
            "/data/nope/import/",
            "/data/records/nope/import/",
            "/data/rasters/nope/import/",
        ):
            assert admin_client.get(url, **HOST).status_code == 404, url

    def test_progress_json_and_an_interrupted_job(self, admin_client, tmp_path, settings):
        """A queued job reports its state; a running job whose progress stopped longer than
        the import's time limit ago (its worker died) is marked failed, and its page says so."""
        plants = list(SewagePlant.objects.order_by("code")[:1])
        upload = plants_upload(tmp_path, plants, [plants[0].design_capacity_m3d])
        check = job_of(admin_client.post(LAYER_URL, {"file": upload}, **HOST))
        got = admin_client.get(f"/data/imports/{check.pk}/progress/", **HOST).json()
        assert got["state"] == "queued" and got["finished"] is False and got["state_label"]
        settings.IMPORT_STATEMENT_TIMEOUT_S = 0
        ImportJob.objects.filter(pk=check.pk).update(
            state="running", heartbeat_at="2026-01-01T00:00:00Z"
        )
        assert jobs_interrupted_mark() == 1
        assert "意外错误" in page_of(admin_client, check)
        assert admin_client.get(f"/data/imports/{check.pk}/progress/", **HOST).json()["finished"]

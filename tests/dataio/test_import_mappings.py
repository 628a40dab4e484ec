"""Saved mappings per source (issue 18): a design institute's DXF mapping and a township
station's XLSX of water users with Chinese columns (用户编码, 单位名称, 所属行业, 东经, 北纬),
saved as ImportMapping rows — checked by the mapping file's validator in the admin, used by
`import_layer --mapping-name`, offered by the browser import form (which can save the mapping
it was given), and recorded on the import job."""

from __future__ import annotations

import json
import re

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from compliance.worker import listener_conninfo
from consumption.models import Consumption, WaterUser
from dataio.jobs import jobs_run_pending
from dataio.models import ImportJob, ImportMapping
from network.models import PipeNode, PipeSegment
from tests.dataio.test_import_cad import DESIGN_INSTITUTE, drawing
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
USERS_MAPPING = {
    "columns": {"用户编码": "code", "单位名称": "name", "所属行业": "sector", "东经": "lon",
                "北纬": "lat"},
    "values": {"sector": {"工业": "industry", "服务业": "services", "农业": "agriculture"}},
}  # fmt: skip
# Inside the county, east of Lianzhou town (lon, lat).
USERS = [
    ("XLSX-U1", "连州市某陶瓷厂", "工业", 112.452, 24.802),
    ("XLSX-U2", "某宾馆", "服务业", 112.455, 24.804),
]


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.get(username="admin")


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def design_institute(admin_user) -> ImportMapping:
    return ImportMapping.objects.create(
        name="设计院 DXF", source="某市政设计院", target="pipes", mapping=DESIGN_INSTITUTE,
        created_by=admin_user,
    )  # fmt: skip


def users_workbook(path, rows=USERS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["用户编码", "单位名称", "所属行业", "东经", "北纬"])
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.content.decode()[:800]
    job_id = re.fullmatch(r"/data/imports/([0-9a-f-]{36})/", response["Location"]).group(1)
    return ImportJob.objects.get(pk=job_id)


class ImportMappingModelTests:
    def test_a_good_mapping_passes_the_check(self, design_institute):
        design_institute.full_clean()

    def test_a_bad_mapping_is_refused_naming_each_problem(self):
        mapping = ImportMapping(
            name="bad", target="pipes",
            mapping={"columns": {"GJ": "diam"}, "srid": 9999, "cad": {"pipes": {"layers": []}}},
        )  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            mapping.full_clean()
        problems = " ".join(caught.value.message_dict["mapping"])
        assert "diam" in problems and "9999" in problems and "layers" in problems

    def test_an_unknown_target_is_refused(self):
        with pytest.raises(ValidationError) as caught:
            ImportMapping(name="x", target="no-such-layer", mapping={}).full_clean()
        assert "target" in caught.value.message_dict

    def test_the_admin_refuses_a_bad_mapping_and_saves_a_good_one(self, admin_client):
        url = "/admin/dataio/importmapping/add/"
        assert admin_client.get(url, **HOST).status_code == 200
        form = {"name": "测绘队", "source": "某测绘队", "kind": "layer", "target": "pipes"}
        bad = admin_client.post(
            url, {**form, "mapping": json.dumps({"columns": {"GJ": "diam"}})}, **HOST
        )
        assert bad.status_code == 200  # the form again, with its error
        assert "diam" in bad.content.decode()
        assert not ImportMapping.objects.filter(name="测绘队").exists()
        good = admin_client.post(
            url, {**form, "mapping": json.dumps({"columns": {"GJ": "diameter_mm"}})}, **HOST
        )
        assert good.status_code == 302
        saved = ImportMapping.objects.get(name="测绘队")
        assert saved.created_by.username == "admin"
        markup = admin_client.post(
            url, {**form, "name": "<script>x", "mapping": json.dumps({})}, **HOST
        )
        assert markup.status_code == 200 and "errorlist" in markup.content.decode()
        assert ImportMapping.objects.count() == 1


class MappingNameCommandTests:
    def test_the_design_institutes_saved_mapping_reads_its_drawing(
        self, tmp_path, design_institute
    ):
        """No --srid: the saved mapping says EPSG:4546; three pipes are created."""
        path = drawing(tmp_path / "管网.dxf")
        call_command("import_layer", "pipes", str(path), mapping_name="设计院 DXF", verbosity=0)
        assert PipeSegment.objects.filter(code__startswith="SJY-").count() == 3

    def test_a_saved_drawing_mapping_serves_its_other_layers(self, tmp_path, design_institute):
        """The mapping was saved for pipes, its CAD rules name pipe-nodes too."""
        path = drawing(tmp_path / "管网.dxf")
        call_command(
            "import_layer", "pipe-nodes", str(path), mapping_name="设计院 DXF", verbosity=0
        )
        assert PipeNode.objects.filter(code__in=["FM-CAD-01", "XHS-CAD-01"]).count() == 2

    def test_the_township_users_xlsx_by_its_saved_mapping(self, tmp_path, admin_user):
        ImportMapping.objects.create(
            name="乡镇水利站用户表", target="water-users", mapping=USERS_MAPPING,
            created_by=admin_user,
        )  # fmt: skip
        path = users_workbook(tmp_path / "用水户.xlsx")
        call_command(
            "import_layer", "water-users", str(path), mapping_name="乡镇水利站用户表", verbosity=0
        )
        users = {u.code: u for u in WaterUser.objects.filter(code__startswith="XLSX-")}
        assert {c: (u.name, u.sector) for c, u in users.items()} == {
            "XLSX-U1": ("连州市某陶瓷厂", "industry"),
            "XLSX-U2": ("某宾馆", "services"),
        }
        assert abs(users["XLSX-U1"].geom.x - 112.452) < 1e-9

    def test_an_unknown_name_is_refused_listing_the_saved_ones(self, tmp_path, design_institute):
        path = drawing(tmp_path / "a.dxf")
        before = tables_fingerprint()
        with pytest.raises(CommandError):
            call_command("import_layer", "pipes", str(path), mapping_name="测绘队", verbosity=0)
        assert tables_fingerprint() == before

    def test_mapping_and_mapping_name_together_are_refused(self, tmp_path, design_institute):
        mapping = tmp_path / "m.json"
        mapping.write_text("{}", encoding="utf-8")
        with pytest.raises(CommandError, match="not both"):
            call_command(
                "import_layer", "pipes", str(drawing(tmp_path / "a.dxf")),
                mapping=mapping, mapping_name="设计院 DXF", verbosity=0,
            )  # fmt: skip


class MappingPageTests:
    def test_the_form_offers_the_saved_mappings_of_the_layer(self, admin_client, design_institute):
        offered = re.compile(r"<option [^>]*>设计院 DXF")
        page = admin_client.get("/data/pipes/import/", **HOST).content.decode()
        assert offered.search(page)
        nodes = admin_client.get("/data/pipe-nodes/import/", **HOST).content.decode()
        assert offered.search(nodes)  # its CAD rules name pipe-nodes
        plants = admin_client.get("/data/sewage-plants/import/", **HOST).content.decode()
        assert not offered.search(plants)

    def test_a_drawing_checked_and_imported_with_a_saved_mapping(
        self, tmp_path, admin_client, design_institute
    ):
        """The check and the import both record the mapping; the job page names it."""
        upload = SimpleUploadedFile("管网.dxf", drawing(tmp_path / "a.dxf").read_bytes())
        check = job_of(
            admin_client.post(
                "/data/pipes/import/",
                {"file": upload, "saved_mapping": design_institute.pk},
                **HOST,
            )
        )
        assert check.mapping == design_institute
        jobs_run_pending(listener_conninfo())
        check.refresh_from_db()
        assert check.state == ImportJob.State.DONE, check.errors
        page = admin_client.get(f"/data/imports/{check.pk}/", **HOST).content.decode()
        assert "设计院 DXF" in page
        imported = job_of(admin_client.post(f"/data/imports/{check.pk}/", **HOST))
        assert imported.mapping == design_institute
        jobs_run_pending(listener_conninfo())
        imported.refresh_from_db()
        assert imported.state == ImportJob.State.DONE
        assert PipeSegment.objects.filter(code__startswith="SJY-").count() == 3

    def test_the_mapping_written_in_the_form_is_saved_for_the_source(self, tmp_path, admin_client):
        upload = SimpleUploadedFile("用水户.xlsx", users_workbook(tmp_path / "u.xlsx").read_bytes())
        job = job_of(
            admin_client.post(
                "/data/water-users/import/",
                {"file": upload, "mapping_json": json.dumps(USERS_MAPPING, ensure_ascii=False),
                 "save_as": "乡镇水利站用户表", "source": "某镇水利站"},
                **HOST,
            )
        )  # fmt: skip
        saved = ImportMapping.objects.get(name="乡镇水利站用户表")
        assert (saved.target, saved.source, saved.created_by.username) == (
            "water-users", "某镇水利站", "admin",
        )  # fmt: skip
        assert saved.mapping == USERS_MAPPING and job.mapping == saved
        jobs_run_pending(listener_conninfo())
        job.refresh_from_db()
        assert job.state == ImportJob.State.DONE, job.errors
        assert job.report["created"] == 2

    def test_a_bad_mapping_in_the_form_saves_and_queues_nothing(self, tmp_path, admin_client):
        upload = SimpleUploadedFile("用水户.xlsx", users_workbook(tmp_path / "u.xlsx").read_bytes())
        jobs = ImportJob.objects.count()
        response = admin_client.post(
            "/data/water-users/import/",
            {"file": upload, "mapping_json": '{"columns": {"东经": "longitude"}}', "save_as": "x"},
            **HOST,
        )
        assert response.status_code == 400
        assert "longitude" in response.content.decode()
        assert ImportJob.objects.count() == jobs
        assert not ImportMapping.objects.filter(name="x").exists()

    def test_markup_in_the_name_to_save_is_refused(self, tmp_path, admin_client):
        upload = SimpleUploadedFile("用水户.xlsx", users_workbook(tmp_path / "u.xlsx").read_bytes())
        response = admin_client.post(
            "/data/water-users/import/",
            {"file": upload, "mapping_json": json.dumps(USERS_MAPPING), "save_as": "<b>x</b>"},
            **HOST,
        )
        assert response.status_code == 400
        assert not ImportMapping.objects.exists()

    def test_a_dwg_upload_is_refused_asking_for_dxf(self, admin_client):
        upload = SimpleUploadedFile("管网.dwg", b"AC1032" + b"\0" * 64)
        response = admin_client.post("/data/pipes/import/", {"file": upload}, **HOST)
        assert response.status_code == 400
        assert "DXF" in response.content.decode()


RECORDS_MAPPING = {
    "columns": {"用户编码": "user_code", "月份": "month", "用水量(m³)": "volume_m3",
                "是否计量": "metered"},
    "values": {"metered": {"是": "true", "否": "false"}},
}  # fmt: skip


def consumption_workbook(path, user_code: str):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["用户编码", "月份", "用水量(m³)", "是否计量"])
    sheet.append([user_code, "2019-03", 1234.5, "否"])
    book.save(path)
    return path


class RecordsMappingTests:
    """A water works' monthly meter readings with Chinese headers and 是/否, read by a saved
    records mapping."""

    def test_a_saved_records_mapping_reads_chinese_headers(self, tmp_path, admin_user):
        user = WaterUser.objects.order_by("code").first()
        ImportMapping.objects.create(
            name="水厂抄表", kind="records", target="consumption", mapping=RECORDS_MAPPING,
            created_by=admin_user,
        )  # fmt: skip
        path = consumption_workbook(tmp_path / "抄表.xlsx", user.code)
        call_command(
            "import_records", "consumption", str(path), mapping_name="水厂抄表", verbosity=0
        )
        row = Consumption.objects.get(user=user, month="2019-03-01")
        assert (row.volume_m3, row.metered) == (1234.5, False)

    def test_without_the_mapping_the_chinese_headers_are_refused(self, tmp_path):
        user = WaterUser.objects.order_by("code").first()
        path = consumption_workbook(tmp_path / "抄表.xlsx", user.code)
        before = tables_fingerprint()
        with pytest.raises(CommandError):
            call_command("import_records", "consumption", str(path), verbosity=0)
        assert tables_fingerprint() == before

    def test_a_records_mapping_with_cad_or_srid_is_refused(self):
        mapping = ImportMapping(
            name="x",
            kind="records",
            target="consumption",
            mapping={**RECORDS_MAPPING, "srid": 4546},
        )
        with pytest.raises(ValidationError) as caught:
            mapping.full_clean()
        assert "srid" in " ".join(caught.value.message_dict["mapping"])

    def test_the_records_page_offers_and_uses_a_saved_mapping(
        self, tmp_path, admin_client, admin_user
    ):
        saved = ImportMapping.objects.create(
            name="水厂抄表", kind="records", target="consumption", mapping=RECORDS_MAPPING,
            created_by=admin_user,
        )  # fmt: skip
        page = admin_client.get("/data/records/consumption/import/", **HOST).content.decode()
        assert re.search(r"<option [^>]*>水厂抄表", page)
        user = WaterUser.objects.order_by("code").first()
        upload = SimpleUploadedFile(
            "抄表.xlsx", consumption_workbook(tmp_path / "a.xlsx", user.code).read_bytes()
        )
        job = job_of(
            admin_client.post(
                "/data/records/consumption/import/", {"file": upload, "saved_mapping": saved.pk},
                **HOST,
            )
        )  # fmt: skip
        assert job.mapping == saved
        jobs_run_pending(listener_conninfo())
        job.refresh_from_db()
        assert job.state == ImportJob.State.DONE, job.errors
        assert job.report["rows"] == 1

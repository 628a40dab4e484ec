"""Importing a register from the browser: the command's all-or-nothing import, a row-level
report in Chinese, 'check only', who may, and the audit trail."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from audit.models import AuditEvent
from registers.models import PublicityEvent
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}
URL = "/registers/publicity-events/import/"
HEADER = "area_code,held_on,title,kind,audience,reach_persons\n"


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="admin"))
    return client


def csv_file(body: str, name: str = "events.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + body).encode("utf-8"), content_type="text/csv")


class ImportPageTests:
    def test_good_file_is_imported_and_audited(self, admin_client):
        body = "441882,2030-03-22,世界水日宣传,campaign,市民,800\n"
        got = admin_client.post(URL, {"file": csv_file(body)}, **HOST)
        html = got.content.decode()
        assert got.status_code == 200 and "已导入 1 行" in html
        assert PublicityEvent.objects.get(title="世界水日宣传").reach_persons == 800
        event = AuditEvent.objects.filter(kind="import").latest("created_at")
        assert event.actor == "admin" and event.object_id == "publicity-events"
        assert event.outcome == AuditEvent.Outcome.OK

    def test_bad_rows_are_listed_in_chinese_and_nothing_is_written(self, admin_client):
        """Row 2: unknown area; row 3: a kind that is not one of the choices; row 4: a date
        that does not exist; row 5: negative reach. All four named, nothing stored."""
        body = (
            "999999,2030-03-22,甲,campaign,,5\n"
            "441882,2030-03-23,乙,parade,,5\n"
            "441882,2030-02-30,丙,campaign,,5\n"
            "441882,2030-03-25,丁,campaign,,-5\n"
        )
        before = tables_fingerprint()
        got = admin_client.post(URL, {"file": csv_file(body)}, **HOST)
        html = got.content.decode()
        assert (
            got.status_code == 400 and "文件被拒绝：4 处问题" in html and "未写入任何数据" in html
        )
        assert "未知代码 &#x27;999999&#x27;" in html
        assert "&#x27;parade&#x27; 不在可选值中" in html
        assert "不是日期（YYYY-MM-DD）" in html and "低于最小值 0" in html
        assert tables_fingerprint() == before
        refused = AuditEvent.objects.filter(kind="import").latest("created_at")
        assert refused.outcome == AuditEvent.Outcome.REFUSED and refused.actor == "admin"

    def test_check_only_writes_nothing(self, admin_client):
        body = "441882,2030-03-22,只检查,campaign,,5\n"
        before = tables_fingerprint()
        got = admin_client.post(URL, {"file": csv_file(body), "check_only": "on"}, **HOST)
        assert got.status_code == 200 and "未写入任何数据" in got.content.decode()
        assert tables_fingerprint() == before

    def test_xlsx_file(self, admin_client):
        book = Workbook()
        sheet = book.active
        sheet.append(HEADER.strip().split(","))
        sheet.append(["441882", "2030-04-01", "节水进校园", "school", "学生", 300])
        buf = io.BytesIO()
        book.save(buf)
        upload = SimpleUploadedFile("events.xlsx", buf.getvalue())
        assert admin_client.post(URL, {"file": upload}, **HOST).status_code == 200
        assert PublicityEvent.objects.filter(title="节水进校园").exists()

    def test_other_files_are_refused(self, admin_client):
        before = tables_fingerprint()
        page = SimpleUploadedFile("x.html", b"<script>alert(1)</script>")
        got = admin_client.post(URL, {"file": page}, **HOST)
        assert got.status_code == 400 and "请选择 .csv 或 .xlsx 文件" in got.content.decode()
        fake = SimpleUploadedFile("x.xlsx", b"not a workbook")
        got = admin_client.post(URL, {"file": fake}, **HOST)
        assert got.status_code == 400 and "无法读取该 XLSX 文件" in got.content.decode()
        assert tables_fingerprint() == before

    def test_a_file_over_the_upload_limit_is_refused_unread(self, admin_client, settings):
        settings.REGISTER_UPLOAD_MAX_BYTES = 1024
        before = tables_fingerprint()
        body = "441882,2030-03-22,大文件,campaign,,5\n" * 100  # ~4 kB
        got = admin_client.post(URL, {"file": csv_file(body)}, **HOST)
        assert got.status_code == 400 and "文件大小 0.0 MB" in got.content.decode()
        assert tables_fingerprint() == before

    def test_who_may(self, client, official):
        assert client.get(URL, **HOST).status_code == 302  # anonymous: to the login page
        client.force_login(official)
        assert client.get(URL, **HOST).status_code == 403
        assert client.post(URL, {"file": csv_file("")}, **HOST).status_code == 403
        assert client.get("/registers/nope/import/", **HOST).status_code == 404
        table = client.get("/registers/publicity-events/", **HOST).content.decode()
        assert "/import/" not in table  # no link for those who may not

    def test_the_table_links_to_the_import_for_admins(self, admin_client):
        html = admin_client.get("/registers/publicity-events/", **HOST).content.decode()
        assert f'href="{URL}"' in html and "从文件导入" in html
        form = admin_client.get(URL, **HOST).content.decode()
        assert "area_code, held_on, title, kind, audience, reach_persons" in form

"""Register pages: the list, a register's rows, its export; who may see them."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from registers.models import PolicyDocument

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "127.0.0.1"}


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client


class RegisterPageTests:
    def test_list_names_every_register_with_its_count(self, official_client):
        html = official_client.get("/registers/", **HOST).content.decode()
        assert "政策文件" in html and "取水许可证" in html and "重点用水单位名录" in html
        assert f'<td class="num">{PolicyDocument.objects.count()}</td>' in html
        assert "/admin/" not in html.split("<main>")[1]  # officials do not edit registers

    def test_table_shows_the_rows_with_labels(self, official_client):
        html = official_client.get("/registers/policy-documents/", **HOST).content.decode()
        assert "文号" in html and "连府办〔2024〕21号" in html and "农业水价综合改革" in html
        html = official_client.get("/registers/withdrawal-permits/", **HOST).content.decode()
        # holder by code and name, source by its label, volume with thousands and its unit
        assert "WU000002 连州金鼎水泥有限公司" in html and "地下水" in html
        assert "许可水量（立方米/年）" in html and "600,000" in html
        assert "112.39250" in html  # coordinates keep their decimals

    def test_export_is_the_import_format(self, official_client):
        got = official_client.get("/registers/publicity-events/export.csv", **HOST)
        assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment")
        rows = list(csv.reader(io.StringIO(b"".join(got.streaming_content).decode())))
        assert rows[0] == ["area_code", "held_on", "title", "kind", "audience", "reach_persons"]
        assert len(rows) == 1 + 18
        book = official_client.get("/registers/key-users/export.xlsx", **HOST)
        sheet = load_workbook(io.BytesIO(b"".join(book.streaming_content))).active
        assert [c.value for c in sheet[1]] == ["user_code", "tier", "listed_on", "monitoring"]

    def test_unknown_register_and_anonymous(self, official_client, client):
        assert official_client.get("/registers/consumption/", **HOST).status_code == 404
        assert official_client.get("/registers/x/export.html", **HOST).status_code == 404
        client.logout()
        assert client.get("/registers/", **HOST).status_code == 302

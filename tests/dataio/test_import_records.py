"""import_records: CSV with/without BOM and XLSX; bad rows named, nothing written; idempotent."""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from consumption.models import Consumption, WaterUser
from tests.helpers import tables_fingerprint

pytestmark = pytest.mark.django_db
HEADER = "user_code,month,volume_m3,metered"


def user_code() -> str:
    return WaterUser.objects.order_by("code").values_list("code", flat=True)[0]


def run(kind, path, *extra):
    call_command("import_records", kind, str(path), *extra, verbosity=0)


class CsvTests:
    @pytest.mark.parametrize("bom", [True, False])
    def test_imports_and_reimport_is_a_no_op(self, tmp_path, bom):
        code = user_code()
        text = f"{HEADER}\n{code},2030-01,12.5,true\n{code},2030-02,13,false\n"
        path = tmp_path / "c.csv"
        path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
        run("consumption", path)
        rows = Consumption.objects.filter(user__code=code, month__year=2030).order_by("month")
        assert [(r.volume_m3, r.metered) for r in rows] == [(12.5, True), (13.0, False)]
        before = tables_fingerprint()
        run("consumption", path)
        assert tables_fingerprint() == before

    @pytest.mark.parametrize(
        "line,expected",
        [
            ("{code},2030-01,-5,true", "row 3, column volume_m3: -5.0 is below the minimum 0"),
            ("{code},2030-13,5,true", "row 3, column month"),
            ("NO-SUCH-USER,2030-01,5,true", "row 3, column user_code: unknown code"),
            ("{code},2030-01,five,true", "row 3, column volume_m3: 'five' is not a number"),
            ("{code},2030-01,5,maybe", "row 3, column metered"),
        ],
    )
    def test_bad_row_named_and_nothing_written(self, tmp_path, capsys, line, expected):
        code = user_code()
        path = tmp_path / "c.csv"
        path.write_text(
            f"{HEADER}\n{code},2030-02,1,true\n{line.format(code=code)}\n", encoding="utf-8"
        )
        before = tables_fingerprint()
        with pytest.raises(CommandError, match="nothing was written"):
            run("consumption", path)
        assert expected in capsys.readouterr().err
        assert tables_fingerprint() == before

    def test_missing_and_extra_columns(self, tmp_path, capsys):
        path = tmp_path / "c.csv"
        path.write_text("user_code,month,volume,metered\nX,2030-01,1,true\n", encoding="utf-8")
        with pytest.raises(CommandError):
            run("consumption", path)
        err = capsys.readouterr().err
        assert "column volume_m3: required column is missing" in err
        assert "column volume: unexpected column" in err

    def test_not_utf8(self, tmp_path, capsys):
        path = tmp_path / "c.csv"
        path.write_bytes(f"{HEADER}\n".encode() + "用户,2030-01,1,true\n".encode("gbk"))
        with pytest.raises(CommandError):
            run("consumption", path)
        assert "not UTF-8" in capsys.readouterr().err

    def test_dry_run(self, tmp_path, capsys):
        code = user_code()
        path = tmp_path / "c.csv"
        path.write_text(f"{HEADER}\n{code},2030-01,1,true\n", encoding="utf-8")
        before = tables_fingerprint()
        call_command("import_records", "consumption", str(path), "--dry-run")
        assert "would create 1" in capsys.readouterr().out
        assert tables_fingerprint() == before

    def test_cross_column_check(self, tmp_path, capsys):
        from layers.models import IrrigationDistrict

        district = IrrigationDistrict.objects.order_by("code").first().code
        path = tmp_path / "i.csv"
        path.write_text(
            "district_code,year,gross_withdrawal_m3,net_field_m3,irrigated_area_mu,"
            f"metered_withdrawal_m3\n{district},2031,100,150,10,\n",
            encoding="utf-8",
        )
        with pytest.raises(CommandError):
            run("irrigation-records", path)
        assert "net water to fields exceeds the gross withdrawal" in capsys.readouterr().err


class XlsxTests:
    def test_xlsx_imports(self, tmp_path):
        code = user_code()
        book = Workbook()
        sheet = book.active
        sheet.append(HEADER.split(","))
        sheet.append([code, "2031-05", 42, "true"])
        path = tmp_path / "c.xlsx"
        book.save(path)
        run("consumption", path)
        assert Consumption.objects.get(user__code=code, month="2031-05-01").volume_m3 == 42

    def test_broken_xlsx(self, tmp_path, capsys):
        path = tmp_path / "c.xlsx"
        path.write_bytes(b"PK\x03\x04 not really a workbook")
        with pytest.raises(CommandError):
            run("consumption", path)
        assert "cannot read the XLSX file" in capsys.readouterr().err

"""CSV (UTF-8 with BOM, so that Excel reads Chinese) and XLSX files of a consumption answer.

Headers are bilingual with their units ("用水量 (m³) / volume (m³)") and the same in every UI
language, so a file can be read back by its headers; values are the rounded figures of the JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from consumption.columns import Column
from consumption.models import WaterUser
from layers.spreadsheet_cells import csv_row, xlsx_row

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECTOR_NAMES = dict(WaterUser.Sector.choices)
BOM = "\ufeff"


def _value(row: dict, column: Column):
    """A row's value for a file: a sector by its name in the reader's language (农业, not
    agriculture), everything else as computed."""
    value = row.get(column.key)
    if column.key == "sector" and value in SECTOR_NAMES:
        return str(SECTOR_NAMES[value])
    return value


def _cell(value):
    return "" if value is None else value


def rows_csv(rows: Sequence[dict], columns: Sequence[Column]) -> bytes:
    """The rows as CSV bytes: a BOM, one header row, then one line per row."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    # text that a spreadsheet would run as a formula (an imported zone name "=…") is
    # neutralised by csv_row / xlsx_row; numbers stay numbers
    writer.writerow(csv_row(c.header() for c in columns))
    for row in rows:
        writer.writerow(csv_row(_cell(_value(row, c)) for c in columns))
    return out.getvalue().encode("utf-8")


def _number_format(column: Column) -> str | None:
    if column.digits is None:
        return None
    return "#,##0" + ("." + "0" * column.digits if column.digits else "")


def rows_xlsx(
    rows: Sequence[dict],
    columns: Sequence[Column],
    *,
    query: dict[str, str],
    notes: dict[str, str],
) -> bytes:
    """An XLSX workbook: sheet "consumption" (header row + rows) and sheet "query"
    (the parameters that reproduce it and how the figures are computed)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "consumption"
    sheet.append(xlsx_row(sheet, (c.header() for c in columns)))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(xlsx_row(sheet, (_value(row, c) for c in columns)))
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.header()) + 2))
        fmt = _number_format(column)
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    sheet.freeze_panes = "A2"
    about = book.create_sheet("query")
    about.append(xlsx_row(about, [_("parameter"), _("value")]))
    for key, value in query.items():
        about.append(xlsx_row(about, [key, value]))
    about.append([])
    about.append(xlsx_row(about, [_("method"), ""]))
    for key, text in notes.items():
        about.append(xlsx_row(about, [key, text]))
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_response(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A download: the bytes with their type and an attachment file name (ASCII)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def consumption_file(
    fmt: str,
    rows: Sequence[dict],
    columns: Sequence[Column],
    *,
    query: dict[str, str],
    notes: dict[str, str],
) -> HttpResponse:
    """The CSV or XLSX download of a zone query's rows."""
    stem = "consumption-{zone_type}-{start}-{end}".format(**query)
    if fmt == "csv":
        return file_response(rows_csv(rows, columns), CSV_TYPE, f"{stem}.csv")
    return file_response(
        rows_xlsx(rows, columns, query=query, notes=notes), XLSX_TYPE, f"{stem}.xlsx"
    )

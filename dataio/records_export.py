"""export_records: a record kind (registers included) to CSV or XLSX, re-importable as is."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from openpyxl import Workbook

from dataio.exporting import ExportError
from layers.records import RECORD_KINDS, RecordKind
from layers.spreadsheet_cells import csv_row, xlsx_row


def _cell(value: object, kind: str) -> object:
    """A stored value as the import reads it back: '' for none, true/false, ISO dates."""
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "month" and isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def record_rows(spec: RecordKind) -> tuple[list[str], list[list[object]]]:
    """The header (spec.headers) and every row, parent code first, in natural-key order."""
    parent = spec.parent_field.removesuffix("_id")
    # a reference column is written as the referenced row's name, as the import reads it
    names = [a.field_path for a in spec.columns]
    by_name = {a.name: a for a in spec.columns}
    order = [f"{parent}__code", *(by_name[k].field_path for k in spec.key)]
    qs = spec.model.objects.order_by(*order).values_list(f"{parent}__code", *names)
    kinds = [a.kind for a in spec.columns]
    rows = [
        [code, *(_cell(v, k) for v, k in zip(values, kinds, strict=True))]
        for code, *values in qs.iterator(chunk_size=5000)
    ]
    return spec.headers, rows


def records_export(*, kind: str, path: Path) -> int:
    """Write every row of `kind` to path (.csv UTF-8, or .xlsx); returns the row count."""
    spec = RECORD_KINDS.get(kind)
    if spec is None:
        raise ExportError(f"unknown record kind {kind!r}")
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ExportError(f"unsupported file type {suffix!r}; use .csv or .xlsx")
    header, rows = record_rows(spec)
    if suffix == ".csv":
        with Path(path).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            # text that a spreadsheet would run as a formula is neutralised (csv_row, xlsx_row)
            writer.writerow(csv_row(header))
            writer.writerows(csv_row(row) for row in rows)
    else:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(kind[:31])
        sheet.append(xlsx_row(sheet, header))
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
        book.save(path)
    return len(rows)

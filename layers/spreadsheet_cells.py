"""Cells of exported CSV and XLSX files, safe from spreadsheet formula injection.

A text cell that begins with = + - @ TAB or CR is read by Excel, WPS and LibreOffice as a formula
(OWASP "CSV injection"): an imported pipe code `=HYPERLINK("http://…","open")` would become a live
link, `=cmd|…` a command. Every writer of a CSV or XLSX file passes its cells through here:

- CSV: such text gets a leading apostrophe, which spreadsheets show as text and do not display;
- XLSX: such text is written as a string cell (data type "s", never "f") with the quote prefix
  style, so the file holds text that even an edit of the cell does not turn into a formula.

Numbers, dates, booleans and None pass unchanged: a negative number stays a number.
Pure: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Iterable

from openpyxl.cell.cell import Cell

# The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def formula_like(value: object) -> bool:
    """True for text a spreadsheet would evaluate: a str starting with = + - @ TAB or CR."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_cell(value: object) -> object:
    """The value for a CSV cell: formula-like text prefixed with an apostrophe, else as is."""
    return QUOTE + value if formula_like(value) else value  # type: ignore[operator]


def csv_row(values: Iterable[object]) -> list[object]:
    """csv_cell on every value of a row."""
    return [csv_cell(v) for v in values]


def csv_cell_read(text: str) -> str:
    """The inverse of csv_cell for an importer: "'=x" → "=x"; any other text unchanged."""
    if text.startswith(QUOTE) and formula_like(text[1:]):
        return text[1:]
    return text


def xlsx_cell(sheet, value: object) -> object:
    """The value for an XLSX cell: formula-like text as a string cell (never a formula), with
    Excel's quote prefix; other values as is (openpyxl writes numbers as numbers)."""
    if not formula_like(value):
        return value
    cell = Cell(sheet, row=1, column=1, value=value)  # append() places it
    cell.data_type = "s"  # openpyxl makes any str starting with "=" a formula ("f")
    cell.quotePrefix = True
    return cell


def xlsx_row(sheet, values: Iterable[object]) -> list[object]:
    """xlsx_cell on every value of a row, for sheet.append (normal or write-only sheets)."""
    return [xlsx_cell(sheet, v) for v in values]

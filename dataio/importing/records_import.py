"""import_records: CSV (UTF-8, with or without BOM) or XLSX records of one kind, all or nothing."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, transaction
from openpyxl import load_workbook

from dataio.importing.delivery import records_mapping_apply, records_mapping_problems
from dataio.importing.errors import ImportFailed, ImportReport, Progress, RowError
from dataio.importing.files import check_size, zip_members_check
from dataio.importing.lock import import_lock
from dataio.importing.record_kinds import RECORD_KINDS, RecordKind
from dataio.importing.upsert import BlankOverStored, upsert
from layers.spreadsheet_cells import csv_cell_read

MAX_REPORTED_ERRORS = 1000


class _DryRunRollback(Exception):
    pass


XLSX_MAX_COLUMNS = 100


def _fail(reason: str, column: str = "") -> ImportFailed:
    return ImportFailed([RowError(0, column, reason)])


def _csv_rows(path: Path) -> Iterator[list[str]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(
            f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV or XLSX"
        ) from None
    if "\x00" in text:
        raise _fail("the file contains NUL bytes; it is not a CSV text file")
    # our exports quote formula-like text ("'=x"); it reads back as written (csv_cell_read)
    for row in csv.reader(io.StringIO(text, newline="")):
        yield [csv_cell_read(cell) for cell in row]


def _xlsx_check(path: Path) -> None:
    """Refuse an XLSX whose parts expand beyond IMPORT_MAX_XLSX_UNZIPPED_BYTES or suspiciously
    (a 1.5 MB workbook grew to 6 GB in memory): checked before openpyxl reads anything."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _fail("cannot read the XLSX file: it is not a valid XLSX (zip) file") from None
    with archive:
        zip_members_check(archive, settings.IMPORT_MAX_XLSX_UNZIPPED_BYTES, max_ratio=200)


def _xlsx_rows(path: Path) -> Iterator[list]:
    _xlsx_check(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise _fail(f"cannot read the XLSX file: {exc}") from None
    try:
        sheet = book.worksheets[0]
        # A sheet may claim 16,384 columns: only the first XLSX_MAX_COLUMNS are read.
        for values in sheet.iter_rows(values_only=True, max_col=XLSX_MAX_COLUMNS):
            yield ["" if v is None else v for v in values]
    finally:
        book.close()


def read_table(path: Path) -> Iterator[list]:
    """Rows of a CSV or XLSX file, the header row first."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    raise _fail(f"unsupported file type {suffix!r}; use .csv or .xlsx")


def records_import(
    *,
    kind: str,
    path: Path,
    dry_run: bool = False,
    clear_blanks: bool = False,
    progress: Progress | None = None,
    county: str | None = None,
    mapping: dict | None = None,
) -> ImportReport:
    """Import records of `kind`; raise ImportFailed listing every bad row (spreadsheet row numbers:
    the header is row 1). Natural keys make re-imports change nothing. A column the file leaves
    out keeps its stored values; an empty cell over a stored value is refused unless
    clear_blanks. `county` (an area code) says which county's features the file's codes name;
    without it a code that two counties use is refused. mapping: a source's own column and
    value names ({"columns": {"用户编码": "user_code"}, "values": {...}}), checked first.
    """
    spec = RECORD_KINDS.get(kind)
    if spec is None:
        raise _fail(f"unknown record kind {kind!r}; known: {', '.join(RECORD_KINDS)}")
    check_size(path, settings.IMPORT_MAX_RECORDS_BYTES)
    if progress:
        progress(f"{kind}: read", 0, 0)
    rows = read_table(path)
    if mapping:
        problems = records_mapping_problems(mapping, spec.headers)
        if problems:
            raise ImportFailed([RowError(0, "mapping", p) for p in problems])
    header = [str(h).strip() for h in next(rows, [])]
    while header and header[-1] == "":
        header.pop()
    header, rows = records_mapping_apply(header, rows, mapping)
    _check_header(spec, header)
    present = [a for a in spec.columns if a.name in header]
    parents = _parent_ids(spec, county)
    refs = {a.name: _ref_ids(a) for a in spec.columns if a.ref}
    parsed, numbers, errors = _parse(spec, header, rows, parents, progress, refs)
    if errors:
        raise ImportFailed(errors[:MAX_REPORTED_ERRORS])
    report = ImportReport(target=kind, rows=len(parsed), dry_run=dry_run)
    # A column left out of the file is left as it is on the records it updates.
    columns = [spec.parent_field, *(a.db_column for a in present)]
    by_name = {a.name: a for a in spec.columns}
    key = [spec.parent_field, *(by_name[k].db_column for k in spec.key)]
    try:
        with transaction.atomic():
            if progress:
                progress(f"{kind}: write", 0, len(parsed))
            import_lock(kind)
            keep = [] if clear_blanks else [a.db_column for a in present if a.name not in spec.key]
            try:
                report.created, report.updated, _ids = upsert(
                    spec.model._meta.db_table,
                    key=key,
                    columns=columns,
                    rows=parsed,
                    keep_filled=keep,
                )
            except BlankOverStored as exc:
                by_column = {a.db_column: a.name for a in present}
                raise ImportFailed(
                    [
                        RowError(
                            numbers[position - 1],
                            by_column.get(column, column),
                            "empty cell over a stored value: leave the column out of the file "
                            "to keep the stored values, or ask to clear blanks",
                        )
                        for position, column in exc.cells
                    ]
                ) from None
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass
    except (DatabaseError, psycopg.Error) as exc:
        raise _fail(f"refused by the database: {exc}") from None
    if progress:
        progress(f"{kind}: write", len(parsed), len(parsed))
    return report


def _parent_ids(spec: RecordKind, county: str | None) -> dict[str, int | None]:
    """The parent features by code; None for a code several counties use (codes are unique per
    county): the file must then be imported for one county."""
    qs = spec.parent_model.objects.all()
    in_county = "county" in {f.name for f in spec.parent_model._meta.concrete_fields}
    if county and in_county:
        qs = qs.filter(county__code=county)
    ids: dict[str, int | None] = {}
    for code, pk in qs.values_list("code", "id"):
        ids[code] = None if code in ids else pk
    return ids


def _ref_ids(attr) -> dict[str, int | None]:
    """The referenced table's rows by the name the file gives them; None for a name two rows
    share (the file cannot say which one it means)."""
    ids: dict[str, int | None] = {}
    for name, pk in apps.get_model(attr.ref[0]).objects.values_list(attr.ref_lookup, "id"):
        ids[name] = None if name in ids else pk
    return ids


def optional_columns(spec: RecordKind) -> set[str]:
    """Columns a file may leave out: not required, not part of the key, nullable in the table
    (on insert the database leaves them empty; on update they keep their value)."""
    fields = {f.name: f for f in spec.model._meta.get_fields() if hasattr(f, "null")}
    return {
        a.name
        for a in spec.columns
        if not a.required and a.name not in spec.key and a.name in fields and fields[a.name].null
    }


def _check_header(spec: RecordKind, header: list[str]) -> None:
    if not header:
        raise _fail("the file is empty: no header row")
    optional = optional_columns(spec)
    errors = [
        RowError(1, name, "required column is missing")
        for name in spec.headers
        if name not in header and name not in optional
    ]
    errors += [
        RowError(1, name, f"unexpected column (expected: {', '.join(spec.headers)})")
        for name in header
        if name not in spec.headers
    ]
    dupes = {h for h in header if header.count(h) > 1}
    errors += [RowError(1, name, "column appears twice") for name in sorted(dupes)]
    if errors:
        raise ImportFailed(errors)


def _parse(
    spec: RecordKind,
    header: list[str],
    rows: Iterator[list],
    parents: dict[str, int],
    progress: Progress | None,
    refs: dict[str, dict[str, int]],
) -> tuple[list[tuple], list[int], list[RowError]]:
    """The valid rows (parent id, then the present columns), their spreadsheet row numbers,
    and every refused cell."""
    index = {name: header.index(name) for name in spec.headers if name in header}
    present = [a for a in spec.columns if a.name in index]
    parsed: list[tuple] = []
    numbers: list[int] = []
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    for number, cells in enumerate(rows, start=2):
        if not any(str(c).strip() for c in cells):
            continue  # blank lines at the end of a spreadsheet
        if len(cells) > len(header) and any(str(c).strip() for c in cells[len(header) :]):
            errors.append(RowError(number, "", "more cells than header columns"))
            continue
        cells = list(cells) + [""] * (len(header) - len(cells))
        row: dict = {}
        row_errors: list[RowError] = []
        code = str(cells[index[spec.parent_column]]).strip()
        parent_id = parents.get(code)
        if parent_id is None:
            reason = (
                f"code {code!r} is used in several counties: import the file for one county"
                if code in parents
                else f"unknown code {code!r}"
            )
            row_errors.append(RowError(number, spec.parent_column, reason))
        row = {a.name: None for a in spec.columns if a.name not in index}  # left as they are
        for attr in present:
            try:
                row[attr.name] = attr.parse(cells[index[attr.name]])
            except (ValueError, TypeError) as exc:
                row_errors.append(RowError(number, attr.name, str(exc)))
                continue
            if attr.ref and row[attr.name] not in (None, ""):
                name = row[attr.name]
                ref_id = refs[attr.name].get(name)
                if ref_id is None:
                    known = name in refs[attr.name]
                    why = f"ambiguous code {name!r}" if known else f"unknown code {name!r}"
                    row_errors.append(RowError(number, attr.name, why))
                row[attr.name] = ref_id
        if not row_errors:
            for check, column, message in spec.checks:
                if not check(row):
                    row_errors.append(RowError(number, column, message))
            natural = (parent_id, *(row[k] for k in spec.key))
            if natural in seen:
                row_errors.append(
                    RowError(number, spec.parent_column, f"duplicate of row {seen[natural]}")
                )
            seen[natural] = number
        errors.extend(row_errors)
        if not row_errors:
            parsed.append((parent_id, *(row[a.name] for a in present)))
            numbers.append(number)
        if progress and number % 5000 == 0:
            progress(f"{spec.kind}: validate", number, 0)
        if len(errors) > MAX_REPORTED_ERRORS:
            break
    return parsed, numbers, errors

"""Opening user files safely: size limits, zip members, shapefile encodings and field names."""

from __future__ import annotations

import codecs
import csv
import sqlite3
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import openpyxl
import pyogrio
from django import forms
from django.utils.translation import gettext as _

from dataio.importing.errors import ImportFailed, RowError
from layers.spreadsheet_cells import csv_cell_read

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".zip", ".shp", ".csv", ".kml", ".kmz", ".xlsx"}
# GDAL's DXF driver reads CAD drawings (dataio/importing/cad.py); DWG has no free reader in
# the GDAL this product uses (its "CAD" driver, libopencad, is not in the wheel pyogrio ships,
# and Debian's reads DWG R2000 only).
CAD_SUFFIXES = {".dxf"}
DWG_REFUSED = (
    "DWG drawings cannot be read (no free DWG reader in the GDAL used here): save the drawing "
    "as DXF in the CAD program (另存为 DXF) and import the .dxf with a mapping of its CAD layers"
)
# A CSV layer: a WKT column (our own export writes `wkt`) or a pair of coordinate columns.
CSV_OPEN_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "wkt,WKT,geometry,geom",
    "X_POSSIBLE_NAMES": "lon,longitude,x,X,经度",
    "Y_POSSIBLE_NAMES": "lat,latitude,y,Y,纬度",
    "KEEP_GEOM_COLUMNS": "NO",
}
SHAPEFILE_FIELD_LIMIT = 10


def _fail(reason: str) -> ImportFailed:
    return ImportFailed([RowError(0, "", reason)])


@dataclass
class VectorTable:
    """The rows of a vector file: CRS text, WKB geometries, columns by name."""

    crs: str | None
    geometries: np.ndarray
    columns: dict[str, np.ndarray]
    renamed: dict[str, str]

    def __len__(self) -> int:
        return len(self.geometries)


def check_size(path: Path, max_bytes: int) -> None:
    """Refuse a missing file or one larger than max_bytes."""
    if not path.is_file():
        raise _fail(f"no such file: {path}")
    size = path.stat().st_size
    if size > max_bytes:
        raise _fail(f"file is {size / 1e6:.1f} MB, more than the limit of {max_bytes / 1e6:.0f} MB")


def zip_members_check(
    archive: zipfile.ZipFile, max_unzipped: int, max_ratio: int = 1000
) -> list[zipfile.ZipInfo]:
    """The archive's members, refusing unsafe names, members expanding more than max_ratio
    times (zip bombs) and a total expanded size over max_unzipped bytes (as the directory
    states it; readers must still count real bytes)."""
    members = archive.infolist()
    total = 0
    for info in members:
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
            raise _fail(f"unsafe path in zip: {info.filename!r}")
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > max_ratio:
            raise _fail(f"zip member {info.filename!r} expands suspiciously (zip bomb?)")
    if total > max_unzipped:
        raise _fail(f"zip expands to {total / 1e6:.0f} MB, more than {max_unzipped / 1e6:.0f} MB")
    return members


@contextmanager
def extracted_vector(path: Path, max_unzipped: int):
    """Extract a zipped Shapefile, MapInfo table (.tab with its .dat/.map/.id) or ESRI File
    Geodatabase (one .gdb folder) to a temporary folder, refusing zip bombs and unsafe names.

    Yields the path of the one .shp, .tab or .gdb inside."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _fail("not a valid zip file") from None
    with archive, tempfile.TemporaryDirectory(prefix="import-") as tmp:
        members = zip_members_check(archive, max_unzipped)
        files = [i for i in members if not i.is_dir()]
        gdbs = {
            part for i in files for part in PurePosixPath(i.filename).parts[:-1]
            if part.lower().endswith(".gdb")
        }  # fmt: skip
        shps = [i for i in files if i.filename.lower().endswith(".shp")]
        tabs = [i for i in files if i.filename.lower().endswith(".tab")]
        found = len(gdbs) + len(shps) + len(tabs)
        if found != 1:
            raise _fail(
                "the zip must hold exactly one .shp file (or one MapInfo .tab, or one .gdb "
                f"folder), it holds {found}"
            )
        written = 0
        for info in files:
            parts = PurePosixPath(info.filename).parts
            inside = [p for p in parts[:-1] if p.lower().endswith(".gdb")]
            # A geodatabase keeps its folder; a Shapefile's or table's files lie flat.
            target = Path(tmp, inside[0], parts[-1]) if inside else Path(tmp, parts[-1])
            target.parent.mkdir(exist_ok=True)
            with archive.open(info) as src, open(target, "wb") as dst:
                # Count real bytes: the sizes in the zip directory may lie.
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > max_unzipped:
                        raise _fail("zip expands beyond the size limit")
                    dst.write(chunk)
        if gdbs:
            yield Path(tmp, next(iter(gdbs)))
        else:
            yield Path(tmp, PurePosixPath((shps or tabs)[0].filename).name)


# Code pages as .cpg files name them (ArcGIS writes "ANSI 936", Windows "65001"...), mapped
# to Python codecs; GB2312/GBK text is read as GB18030, their superset. "System" names the
# writer's locale, unknown here: the text must then be UTF-8 or the encoding given.
_CPG_CODECS = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "65001": "utf-8",
    "ansi936": "gb18030",
    "936": "gb18030",
    "cp936": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "54936": "gb18030",
    "ansi950": "big5",
    "950": "big5",
    "big5": "big5",
    "ansi1252": "cp1252",
    "1252": "cp1252",
    "88591": "latin-1",
    "8859-1": "latin-1",
    "iso-8859-1": "latin-1",
    "latin1": "latin-1",
}
_CPG_UNKNOWN = {"system", "oem", ""}
# How many undecodable rows a refusal lists.
_BAD_TEXT_ROWS = 20


def cpg_codec(text: str) -> str | None:
    """The Python codec a .cpg's text names; None when it names the writer's locale
    ('System', 'OEM', empty). ImportFailed for a code page not known at all."""
    key = text.strip().lower().replace(" ", "").replace("_", "")
    if key in _CPG_UNKNOWN:
        return None
    if key in _CPG_CODECS:
        return _CPG_CODECS[key]
    try:
        "".encode(text.strip())
    except (LookupError, ValueError):
        raise _fail(
            f"the .cpg names the code page {text.strip()!r}, which is not known; "
            "give the encoding with --encoding (e.g. GBK or UTF-8)"
        ) from None
    return text.strip()


def _dbf_text_check(dbf: Path, codec: str) -> None:
    """Refuse the file when any record of the .dbf does not decode cleanly with codec,
    naming the rows (text read with the wrong code page would be stored garbled)."""
    raw = dbf.read_bytes()
    if len(raw) < 12:
        raise _fail("the Shapefile's .dbf attribute file is truncated")
    count = int.from_bytes(raw[4:8], "little")
    header_len = int.from_bytes(raw[8:10], "little")
    record_len = int.from_bytes(raw[10:12], "little")
    bad = []
    for i in range(count):
        start = header_len + i * record_len
        try:
            raw[start : start + record_len].decode(codec)
        except UnicodeDecodeError:
            bad.append(i + 1)
            if len(bad) >= _BAD_TEXT_ROWS:
                break
    if bad:
        raise ImportFailed(
            [
                RowError(
                    row,
                    "",
                    f"text is not valid {codec}: give the file's encoding with --encoding "
                    "(e.g. GBK, GB18030 or UTF-8) or fix its .cpg",
                )
                for row in bad
            ]
        )


def shapefile_encoding(shp: Path, encoding: str | None) -> str:
    """The text encoding to read a Shapefile's .dbf with, checked against its text.

    An explicit --encoding wins; else the code page its .cpg names (ArcGIS and Windows
    spellings included); else (no .cpg, or one naming 'System') the text must be plain
    UTF-8/ASCII, or the import is refused and asks for --encoding (GBK files without a .cpg
    are common and would otherwise turn into mojibake). Every record must decode cleanly.
    """
    dbf = next(
        (p for p in shp.parent.iterdir() if p.stem == shp.stem and p.suffix.lower() == ".dbf"), None
    )
    if dbf is None:
        raise _fail("the Shapefile has no .dbf attribute file")
    if encoding:
        try:
            "".encode(encoding)
        except LookupError:
            raise _fail(f"unknown encoding {encoding!r}") from None
        codec = encoding
    else:
        cpg = next(
            (p for p in shp.parent.iterdir() if p.stem == shp.stem and p.suffix.lower() == ".cpg"),
            None,
        )
        codec = cpg_codec(cpg.read_text("latin-1")[:100]) if cpg is not None else None
        if codec is None:
            try:
                _dbf_text_check(dbf, "utf-8")
            except ImportFailed:
                raise _fail(
                    "the Shapefile's code page is not given (no .cpg, or one saying 'System') "
                    "and its text is not UTF-8; give its encoding with --encoding "
                    "(e.g. GBK or GB18030)"
                ) from None
            return "UTF-8"
    _dbf_text_check(dbf, codec)
    return codec


def tab_encoding(tab: Path, encoding: str | None) -> str | None:
    """The encoding to read a MapInfo table with: GDAL's (None) when its header names a
    charset (WindowsSimpChinese is GBK), else ("!charset Neutral") the one given, else UTF-8
    (text that is not is then refused as unreadable)."""
    head = tab.read_bytes()[:2000].decode("latin-1").lower()
    if "!charset" in head and "!charset neutral" not in head:
        return None
    if encoding:
        _codec(encoding)
    return encoding or "UTF-8"


def restore_field_names(columns: list[str], expected: list[str]) -> dict[str, str]:
    """Map Shapefile field names (cut to 10 characters) back to the expected attribute names.

    Returns {file_name: expected_name} for names that are not already exact. A cut name that
    could stand for several expected names is refused, naming the candidates.
    """
    renamed: dict[str, str] = {}
    for column in columns:
        if column in expected or len(column) != SHAPEFILE_FIELD_LIMIT:
            continue
        candidates = [
            n
            for n in expected
            if len(n) > SHAPEFILE_FIELD_LIMIT and n.lower().startswith(column.lower())
        ]
        if len(candidates) > 1:
            raise ImportFailed(
                [
                    RowError(
                        0, column, "field name is ambiguous: it could be " + " or ".join(candidates)
                    )
                ]
            )
        if candidates:
            renamed[column] = candidates[0]
    return renamed


def read_vector(
    path: Path,
    *,
    expected: list[str],
    encoding: str | None,
    max_unzipped: int,
    headers: dict[str, str] | None = None,
) -> VectorTable:
    """Read a GeoPackage, GeoJSON, (zipped) Shapefile, zipped MapInfo table or File
    Geodatabase, CSV, XLSX or KML/KMZ into a VectorTable.

    A CSV's text is read as it is written (our exports' protective quote before formula-like
    text removed: csv_cell_read); a CSV without a coordinate system is EPSG:4326 unless the
    import is told otherwise. An XLSX (first sheet) is read as a CSV: coordinate columns as a
    CSV's, or named by `headers` (a mapping's {"东经": "lon", "北纬": "lat"})."""
    suffix = path.suffix.lower()
    if suffix == ".dwg":
        raise _fail(DWG_REFUSED)
    if suffix not in VECTOR_SUFFIXES:
        raise _fail(
            f"unsupported file type {suffix!r}; use .gpkg, .geojson, a zipped .shp, .csv or "
            ".xlsx (WKT or lon/lat columns), .kml/.kmz or .dxf (with a mapping)"
        )
    if suffix == ".xlsx":
        with xlsx_as_csv(path, headers or {}) as csv_path:
            return _read(csv_path, expected=expected, encoding="UTF-8", shapefile=False)
    if suffix == ".zip":
        with extracted_vector(path, max_unzipped) as inner:
            if inner.suffix.lower() == ".tab":
                return _read(
                    inner, expected=expected, encoding=tab_encoding(inner, encoding),
                    shapefile=False,
                )  # fmt: skip
            if inner.suffix.lower() != ".shp":  # a File Geodatabase: UTF-8 by definition
                return _read(inner, expected=expected, encoding=None, shapefile=False)
            return _read(
                inner,
                expected=expected,
                encoding=shapefile_encoding(inner, encoding),
                shapefile=True,
            )
    if suffix == ".shp":
        return _read(
            path, expected=expected, encoding=shapefile_encoding(path, encoding), shapefile=True
        )
    if suffix == ".csv" and encoding and _codec(encoding) != "utf-8":
        with _csv_as_utf8(path, encoding) as utf8:  # GDAL matches column names as UTF-8
            return _read(utf8, expected=expected, encoding="UTF-8", shapefile=False)
    return _read(path, expected=expected, encoding=encoding, shapefile=False)


@contextmanager
def xlsx_as_csv(path: Path, headers: dict[str, str]):
    """The first sheet of a workbook as a UTF-8 CSV in a temporary folder, its header cells
    renamed by `headers`; a workbook that cannot be opened is refused."""
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl's errors for a file that is not a workbook
        raise _fail(f"cannot read the workbook: {exc}") from None
    try:
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
    if not rows:
        raise _fail("the workbook's first sheet is empty")
    header = [headers.get(str(c).strip(), str(c).strip()) if c is not None else "" for c in rows[0]]
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"{path.stem}.csv"
        with target.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for row in rows[1:]:
                if any(c not in (None, "") for c in row):
                    writer.writerow(["" if c is None else c for c in row])
        yield target


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise _fail(f"unknown encoding {encoding!r}") from None


@contextmanager
def _csv_as_utf8(path: Path, encoding: str):
    """The CSV re-encoded as UTF-8 in a temporary file; a byte the encoding cannot read is
    refused with its line."""
    raw = path.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _fail(f"line {line} is not {encoding} text; give the file's encoding") from None
    with tempfile.TemporaryDirectory() as folder:
        utf8 = Path(folder) / path.name
        utf8.write_text(text, encoding="utf-8")
        yield utf8


def geopackage_check(path: Path) -> None:
    """Refuse a GeoPackage whose layers are not plain tables: a layer defined as an SQL view
    (a recursive one ran for minutes and took gigabytes in GDAL) or a virtual table."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return  # not SQLite at all: GDAL's own error says so
    try:
        db.execute("PRAGMA trusted_schema = OFF")
        rows = db.execute(
            "SELECT c.table_name, m.type, m.sql FROM gpkg_contents c "
            "LEFT JOIN sqlite_master m ON m.name = c.table_name"
        ).fetchall()
    except sqlite3.Error:
        return  # no gpkg_contents: GDAL refuses it as a GeoPackage
    finally:
        db.close()
    for name, kind, ddl in rows:
        if kind != "table" or (ddl or "").lstrip().upper().startswith("CREATE VIRTUAL"):
            raise _fail(
                f"the GeoPackage layer {name!r} is a {kind or 'missing table'}, not a plain "
                "table; export the data itself (views and virtual tables are refused)"
            )


def _read(path: Path, *, expected: list[str], encoding: str | None, shapefile: bool) -> VectorTable:
    if path.suffix.lower() == ".gpkg":
        geopackage_check(path)
    try:
        layers = pyogrio.list_layers(path)
        if len(layers) == 0:
            raise _fail("the file holds no layer")
        if len(layers) > 1:
            raise _fail(f"the file holds {len(layers)} layers; give one layer per file")
        options = CSV_OPEN_OPTIONS if path.suffix.lower() == ".csv" else {}
        meta, _fids, geometries, field_data = pyogrio.raw.read(path, encoding=encoding, **options)
    except ImportFailed:
        raise
    except UnicodeDecodeError:
        raise _fail(
            f"the file's text is not {encoding or 'UTF-8'}: give its encoding with --encoding "
            "(e.g. GBK or GB18030)"
        ) from None
    except Exception as exc:  # GDAL's errors for truncated, corrupt or foreign files
        raise _fail(f"cannot read the file: {exc}") from None
    if geometries is None:
        raise _fail("the file has no geometry column")
    names = list(meta["fields"])
    renamed = restore_field_names(names, expected) if shapefile else {}
    columns = {renamed.get(n, n): data for n, data in zip(names, field_data, strict=True)}
    crs = meta.get("crs")
    if path.suffix.lower() == ".csv":
        columns = {n: _csv_text(data) for n, data in columns.items()}
        crs = crs or "EPSG:4326"
    return VectorTable(crs=crs, geometries=geometries, columns=columns, renamed=renamed)


def _csv_text(column: np.ndarray) -> np.ndarray:
    if column.dtype != object:
        return column
    return np.array([csv_cell_read(v) if isinstance(v, str) else v for v in column], dtype=object)


def upload_size_check(upload, limit: int) -> None:
    """Refuse a browser upload larger than `limit` bytes (a form error saying both sizes);
    shared by the layer and register import pages."""
    if upload.size > limit:
        raise forms.ValidationError(
            _("The file is %(mb).1f MB; at most %(max).0f MB.")
            % {"mb": upload.size / 2**20, "max": limit / 2**20},
            code="file_too_large",
        )

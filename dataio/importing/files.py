"""Opening user files safely: size limits, zip members, shapefile encodings and field names."""

from __future__ import annotations

import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import pyogrio

from dataio.importing.errors import ImportFailed, RowError

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".zip", ".shp"}
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


@contextmanager
def extracted_shapefile(path: Path, max_unzipped: int):
    """Extract a zipped Shapefile to a temporary folder, refusing zip bombs and unsafe names.

    Yields the path of the one .shp inside.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _fail("not a valid zip file") from None
    with archive, tempfile.TemporaryDirectory(prefix="import-") as tmp:
        members = archive.infolist()
        total = 0
        for info in members:
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
                raise _fail(f"unsafe path in zip: {info.filename!r}")
            total += info.file_size
            if info.compress_size and info.file_size / info.compress_size > 1000:
                raise _fail(f"zip member {info.filename!r} expands suspiciously (zip bomb?)")
        if total > max_unzipped:
            raise _fail(
                f"zip expands to {total / 1e6:.0f} MB, more than {max_unzipped / 1e6:.0f} MB"
            )
        shps = [i for i in members if i.filename.lower().endswith(".shp") and not i.is_dir()]
        if len(shps) != 1:
            raise _fail(f"the zip must hold exactly one .shp file, it holds {len(shps)}")
        written = 0
        for info in members:
            if info.is_dir():
                continue
            target = Path(tmp) / PurePosixPath(info.filename).name
            with archive.open(info) as src, open(target, "wb") as dst:
                # Count real bytes: the sizes in the zip directory may lie.
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > max_unzipped:
                        raise _fail("zip expands beyond the size limit")
                    dst.write(chunk)
        yield Path(tmp) / PurePosixPath(shps[0].filename).name


def shapefile_encoding(shp: Path, encoding: str | None) -> str | None:
    """The text encoding to read a Shapefile's .dbf with.

    An explicit --encoding wins; else the .cpg file; else the text must be plain UTF-8/ASCII,
    or the import is refused and asks for --encoding (GBK-encoded files without a .cpg are
    common and would otherwise turn into mojibake).
    """
    if encoding:
        try:
            "".encode(encoding)
        except LookupError:
            raise _fail(f"unknown encoding {encoding!r}") from None
        return encoding
    cpg = next(
        (p for p in shp.parent.iterdir() if p.stem == shp.stem and p.suffix.lower() == ".cpg"), None
    )
    if cpg is not None:
        return None  # GDAL honours the .cpg itself
    dbf = next(
        (p for p in shp.parent.iterdir() if p.stem == shp.stem and p.suffix.lower() == ".dbf"), None
    )
    if dbf is None:
        raise _fail("the Shapefile has no .dbf attribute file")
    raw = dbf.read_bytes()
    header_len = int.from_bytes(raw[8:10], "little") if len(raw) > 10 else 0
    try:
        raw[header_len:].decode("utf-8")
    except UnicodeDecodeError:
        raise _fail(
            "the Shapefile has no .cpg and its text is not UTF-8; "
            "give its encoding with --encoding (e.g. GBK or GB18030)"
        ) from None
    return "UTF-8"


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
    path: Path, *, expected: list[str], encoding: str | None, max_unzipped: int
) -> VectorTable:
    """Read a GeoPackage, GeoJSON or (zipped) Shapefile into a VectorTable."""
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        raise _fail(f"unsupported file type {suffix!r}; use .gpkg, .geojson or a zipped .shp")
    if suffix == ".zip":
        with extracted_shapefile(path, max_unzipped) as shp:
            return _read(
                shp, expected=expected, encoding=shapefile_encoding(shp, encoding), shapefile=True
            )
    if suffix == ".shp":
        return _read(
            path, expected=expected, encoding=shapefile_encoding(path, encoding), shapefile=True
        )
    return _read(path, expected=expected, encoding=encoding, shapefile=False)


def _read(path: Path, *, expected: list[str], encoding: str | None, shapefile: bool) -> VectorTable:
    try:
        layers = pyogrio.list_layers(path)
        if len(layers) == 0:
            raise _fail("the file holds no layer")
        if len(layers) > 1:
            raise _fail(f"the file holds {len(layers)} layers; give one layer per file")
        meta, _fids, geometries, field_data = pyogrio.raw.read(path, encoding=encoding)
    except ImportFailed:
        raise
    except Exception as exc:  # GDAL's errors for truncated, corrupt or foreign files
        raise _fail(f"cannot read the file: {exc}") from None
    if geometries is None:
        raise _fail("the file has no geometry column")
    names = list(meta["fields"])
    renamed = restore_field_names(names, expected) if shapefile else {}
    columns = {renamed.get(n, n): data for n, data in zip(names, field_data, strict=True)}
    return VectorTable(crs=meta.get("crs"), geometries=geometries, columns=columns, renamed=renamed)

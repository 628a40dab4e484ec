"""An import's refusals in the reader's language: the importer writes its reasons in English
(the command line and logs keep them so); pages translate them here, pattern by pattern."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dataio.importing.errors import RowError

# (pattern on the English reason, its translatable form with the pattern's named groups)
_PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(p), msg)
    for p, msg in (
        (r"^unknown code (?P<code>.+)$", gettext_noop("unknown code %(code)s")),
        (r"^ambiguous code (?P<code>.+)$", gettext_noop("ambiguous code %(code)s")),
        (
            r"^features outside your area: import only your area's features$",
            gettext_noop("features outside your area: import only your area's features"),
        ),
        (
            r"^code (?P<code>.+) is used in several counties: import the file for one county$",
            gettext_noop(
                "code %(code)s is used in several counties: import the file for one county"
            ),
        ),
        (r"^a value is required$", gettext_noop("a value is required")),
        (
            r"^(?P<value>.+) is not one of (?P<choices>.+)$",
            gettext_noop("%(value)s is not one of: %(choices)s"),
        ),
        (
            r"^(?P<value>.+) is below the minimum (?P<limit>.+)$",
            gettext_noop("%(value)s is below the minimum %(limit)s"),
        ),
        (
            r"^(?P<value>.+) is above the maximum (?P<limit>.+)$",
            gettext_noop("%(value)s is above the maximum %(limit)s"),
        ),
        (r"^(?P<value>.+) is not a whole number$", gettext_noop("%(value)s is not a whole number")),
        (r"^(?P<value>.+) is not a number$", gettext_noop("%(value)s is not a number")),
        (r"^(?P<value>.+) is not a finite number$", gettext_noop("%(value)s is not a number")),
        (r"^(?P<value>.+) is not true or false$", gettext_noop("%(value)s is not true or false")),
        (
            r"^(?P<value>.+) is not a month \(YYYY-MM\)$",
            gettext_noop("%(value)s is not a month (YYYY-MM)"),
        ),
        (
            r"^(?P<value>.+) is not a date \(YYYY-MM-DD\)$",
            gettext_noop("%(value)s is not a date (YYYY-MM-DD)"),
        ),
        (r"^required column is missing$", gettext_noop("required column is missing")),
        (
            r"^unexpected column \(expected: (?P<expected>.+)\)$",
            gettext_noop("unexpected column (expected: %(expected)s)"),
        ),
        (r"^column appears twice$", gettext_noop("column appears twice")),
        (r"^more cells than header columns$", gettext_noop("more cells than header columns")),
        (r"^duplicate of row (?P<row>\d+)$", gettext_noop("duplicate of row %(row)s")),
        (r"^the file is empty: no header row$", gettext_noop("the file is empty: no header row")),
        (
            r"^the file is not UTF-8 text .*$",
            gettext_noop("the file is not UTF-8 text; save it as UTF-8 CSV or XLSX"),
        ),
        (
            r"^the file contains NUL bytes.*$",
            gettext_noop("the file contains NUL bytes; it is not a CSV text file"),
        ),
        (r"^cannot read the XLSX file.*$", gettext_noop("the XLSX file cannot be read")),
        (
            r"^unsupported file type .*; use \.gpkg.*$",
            gettext_noop(
                "unsupported file type; use .gpkg, .geojson, a zipped .shp, .csv (WKT or "
                "lon/lat columns) or .kml/.kmz"
            ),
        ),
        (
            r"^unsupported file type .*$",
            gettext_noop("unsupported file type; use .csv or .xlsx"),
        ),
        (
            r"^lies outside the county \(more than (?P<margin>\d+) m beyond its boundary\): "
            r"check the file's coordinate system; it would lie inside as EPSG:(?P<good>\d+) "
            r"\((?P<good_name>[^)]*)\), not EPSG:(?P<bad>\d+).*$",
            gettext_noop(
                "lies outside the county (more than %(margin)s m beyond its boundary): the "
                "file's coordinate system looks like EPSG:%(good)s (%(good_name)s), not "
                "EPSG:%(bad)s; choose EPSG:%(good)s as the coordinate system"
            ),
        ),
        (
            r"^lies outside the county \(more than (?P<margin>\d+) m beyond its boundary\).*$",
            gettext_noop(
                "lies outside the county (more than %(margin)s m beyond its boundary): check "
                "the file's coordinate system"
            ),
        ),
        (r"^same route as pipe (?P<code>.+)$", gettext_noop("same route as pipe %(code)s")),
        (
            r"^runs along pipe (?P<code>\S+) for (?P<m>[\d.]+) m.*$",
            gettext_noop("runs along pipe %(code)s for %(m)s m (duplicate or overlap)"),
        ),
        (
            r"^same route as row (?P<row>\d+) \(pipe (?P<code>.+)\)$",
            gettext_noop("same route as row %(row)s (pipe %(code)s)"),
        ),
        (
            r"^text is not valid (?P<codec>\S+): .*$",
            gettext_noop(
                "the text is not valid %(codec)s: choose the file's encoding (e.g. GBK or "
                "UTF-8) or fix its .cpg"
            ),
        ),
        (
            r"^the \.cpg names the code page (?P<name>.+), which is not known.*$",
            gettext_noop(
                "the .cpg names the code page %(name)s, which is not known; choose the "
                "file's encoding"
            ),
        ),
        (
            r"^the Shapefile's code page is not given.*$",
            gettext_noop(
                "the Shapefile does not say its code page and its text is not UTF-8; choose "
                "its encoding (e.g. GBK or GB18030)"
            ),
        ),
        (
            r"^the GeoPackage layer (?P<name>.+) is a (?P<kind>\S+).*$",
            gettext_noop(
                "the GeoPackage layer %(name)s is not a plain table (views and virtual "
                "tables are refused); export the data itself"
            ),
        ),
        (
            r"^zip member (?P<name>.+) expands suspiciously.*$",
            gettext_noop("the archive member %(name)s expands suspiciously (zip bomb?)"),
        ),
        (
            r"^zip expands to (?P<size>\d+) MB, more than (?P<limit>\d+) MB$",
            gettext_noop("the archive expands to %(size)s MB, more than %(limit)s MB"),
        ),
        (r"^cannot read the file: .*$", gettext_noop("the file cannot be read as a layer")),
        (
            r"^file is (?P<size>[\d.]+) MB, more than the limit of (?P<limit>\d+) MB$",
            gettext_noop("the file is %(size)s MB, more than the limit of %(limit)s MB"),
        ),
        (
            r"^refused by the database: (?P<detail>.+)$",
            gettext_noop("refused by the database: %(detail)s"),
        ),
        (
            r"^EPSG:(?P<code>\d+) \((?P<name>[^)]*)\) needs the bureau's transformation "
            r"parameters to CGCS2000: set (?P<setting>\w+).*$",
            gettext_noop(
                "EPSG:%(code)s (%(name)s) can only be read with the bureau's transformation "
                "parameters to CGCS2000: ask the system administrator to set %(setting)s"
            ),
        ),
        # an import's notes (ImportReport.notes)
        (r"^columns read as: (?P<pairs>.+)$", gettext_noop("columns read as: %(pairs)s")),
        (
            r"^values read as stored values: (?P<attr>\w+), (?P<n>\d+) rows$",
            gettext_noop("values of %(attr)s read from their Chinese names: %(n)s rows"),
        ),
        (
            r"^diameters read as millimetres \(DN100 → 100\): (?P<n>\d+) rows$",
            gettext_noop("diameters read as millimetres (DN100 → 100): %(n)s rows"),
        ),
        (
            r"^multi-part lines split into one feature per part: (?P<n>\d+) lines.*$",
            gettext_noop(
                "multi-part lines split into one feature per part: %(n)s lines (row numbers "
                "count the parts)"
            ),
        ),
        (
            r"^line (?P<line>\d+) is not (?P<enc>\S+) text.*$",
            gettext_noop("line %(line)s is not %(enc)s text; choose the file's encoding"),
        ),
        (r"^columns ignored: (?P<names>.+)$", gettext_noop("columns ignored: %(names)s")),
        (
            r"^Shapefile field names restored: (?P<names>.+)$",
            gettext_noop("Shapefile field names restored: %(names)s"),
        ),
    )
)


def reason_text(reason: str) -> str:
    """The reason translated: by the first matching pattern, else the whole message (the record
    kinds' own check messages are msgids), else as written."""
    first_line = reason.strip().splitlines()[0] if reason.strip() else reason
    for pattern, msg in _PATTERNS:
        if m := pattern.match(first_line):
            return _(msg) % m.groupdict()
    return _(first_line)


def notes_for_page(notes: list[str]) -> list[str]:
    """An import report's notes in the reader's language."""
    return [reason_text(note) for note in notes]


def errors_for_page(errors: list[RowError]) -> list[dict]:
    """Row errors as a page lists them: row number (0: the file itself), column, reason."""
    return [{"row": e.row, "column": e.column, "reason": reason_text(e.reason)} for e in errors]

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
                "unsupported file type; use .gpkg, .geojson, a zipped .shp, .csv or .xlsx (WKT "
                "or lon/lat columns), .kml/.kmz or .dxf (with a mapping)"
            ),
        ),
        # CAD drawings (dataio/importing/cad.py) and mappings (dataio/importing/delivery.py)
        (
            r"^DWG drawings cannot be read.*$",
            gettext_noop(
                "DWG drawings cannot be read (no free DWG reader): save the drawing as DXF in "
                "the CAD program and import the .dxf with a mapping of its CAD layers"
            ),
        ),
        (
            r"^a DXF drawing needs a mapping saying which CAD layers hold (?P<slug>\S+) .*; "
            r"the drawing's CAD layers: (?P<layers>.*)$",
            gettext_noop(
                "a DXF drawing needs a mapping saying which CAD layers hold %(slug)s; the "
                "drawing's CAD layers (entities): %(layers)s"
            ),
        ),
        (
            r"^a DXF drawing carries no coordinate system: .*; its coordinates lie inside the "
            r"county as EPSG:(?P<code>\d+) \((?P<name>[^)]*)\)$",
            gettext_noop(
                "a DXF drawing carries no coordinate system: choose the one it was drawn in; "
                "its coordinates lie inside the county as EPSG:%(code)s (%(name)s)"
            ),
        ),
        (
            r"^a DXF drawing carries no coordinate system: .*$",
            gettext_noop(
                "a DXF drawing carries no coordinate system: choose the one it was drawn in "
                "(Lianzhou: EPSG:4546 without the zone prefix 37, EPSG:4525 with it)"
            ),
        ),
        (r"^cannot read the DXF drawing: .*$", gettext_noop("the DXF drawing cannot be read")),
        (
            r"^no entity of the drawing can go into (?P<slug>\S+);.*$",
            gettext_noop(
                "no entity of the drawing can go into %(slug)s: check the mapping's CAD layers"
            ),
        ),
        (
            r"^DXF drawing: (?P<n>\d+) of (?P<total>\d+) entities read into (?P<slug>\S+)$",
            gettext_noop("DXF drawing: %(n)s of %(total)s entities read into %(slug)s"),
        ),
        (
            r"^row (?P<row>\d+) \(entity (?P<handle>\S+), (?P<kind>\S+), CAD layer "
            r"(?P<layer>.+)\): skipped: (?P<reason>.+)$",
            gettext_noop(
                "row %(row)s (entity %(handle)s, %(kind)s, CAD layer %(layer)s): skipped: "
                "%(reason)s"
            ),
        ),
        (
            r"^(?P<n>\d+) more entities skipped: (?P<kinds>.+)$",
            gettext_noop("%(n)s more entities skipped: %(kinds)s"),
        ),
        (
            r"^CAD layer (?P<layer>.+): (?P<n>\d+) entities skipped: not mapped to "
            r"(?P<slug>\S+)$",
            gettext_noop("CAD layer %(layer)s: %(n)s entities skipped: not mapped to %(slug)s"),
        ),
        (
            r"^a hatch is a fill pattern, not a feature$",
            gettext_noop("a hatch is a fill pattern, not a feature"),
        ),
        (r"^a dimension is annotation$", gettext_noop("a dimension is annotation")),
        (r"^a leader is annotation$", gettext_noop("a leader is annotation")),
        (
            r"^text alone has no feature .*$",
            gettext_noop("text alone has no feature (use its CAD layer as labels)"),
        ),
        (
            r"^a block attribute is read with its block$",
            gettext_noop("a block attribute is read with its block"),
        ),
        (
            r"^a (?P<kind>\S+) entity cannot be a (?P<geom>\S+) feature$",
            gettext_noop("a %(kind)s entity cannot be a %(geom)s feature"),
        ),
        (r"^the entity has no geometry$", gettext_noop("the entity has no geometry")),
        (r"^the polyline is not closed$", gettext_noop("the polyline is not closed")),
        (r"^a polyface or mesh is not a line$", gettext_noop("a polyface or mesh is not a line")),
        (
            r"^the block (?P<block>.+) is not in the mapping's blocks$",
            gettext_noop("the block %(block)s is not in the mapping's blocks"),
        ),
        (r"^saved mapping used: (?P<name>.+)$", gettext_noop("saved mapping used: %(name)s")),
        (
            r"^no saved mapping (?P<name>.+) for (?P<target>\S+) \(saved: (?P<names>.*)\)$",
            gettext_noop("no saved mapping %(name)s for %(target)s (saved: %(names)s)"),
        ),
        (
            r"^the mapping names unknown attributes: (?P<names>.+)$",
            gettext_noop("the mapping names unknown attributes: %(names)s"),
        ),
        (
            r"^the mapping has unknown keys: (?P<keys>.+)$",
            gettext_noop("the mapping has unknown keys: %(keys)s"),
        ),
        (
            r"^srid (?P<srid>.+) is not an allowed EPSG code$",
            gettext_noop("srid %(srid)s is not an allowed EPSG code"),
        ),
        (r"^cad (?P<slug>\S+): (?P<reason>.+)$", gettext_noop("CAD rules of %(slug)s: %(reason)s")),
        (
            r"^a records mapping has columns and values only, not (?P<keys>.+)$",
            gettext_noop("a records mapping has columns and values only, not %(keys)s"),
        ),
        (r"^cannot read the workbook: .*$", gettext_noop("the workbook cannot be read")),
        (
            r"^the file's text is not (?P<enc>\S+): give its encoding.*$",
            gettext_noop("the file's text is not %(enc)s: choose its encoding (e.g. GBK)"),
        ),
        (
            r"^the zip must hold exactly one \.shp file.*, it holds (?P<n>\d+)$",
            gettext_noop(
                "the zip must hold exactly one Shapefile (.shp), MapInfo table (.tab) or File "
                "Geodatabase (.gdb folder); it holds %(n)s"
            ),
        ),
        (
            r"^the workbook's first sheet is empty$",
            gettext_noop("the workbook's first sheet is empty"),
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
            groups = m.groupdict()
            if groups.get("reason"):  # a reason inside a reason (a skipped CAD entity's)
                groups["reason"] = reason_text(groups["reason"])
            return _(msg) % groups
    return _(first_line)


def notes_for_page(notes: list[str]) -> list[str]:
    """An import report's notes in the reader's language."""
    return [reason_text(note) for note in notes]


def errors_for_page(errors: list[RowError]) -> list[dict]:
    """Row errors as a page lists them: row number (0: the file itself), column, reason."""
    return [{"row": e.row, "column": e.column, "reason": reason_text(e.reason)} for e in errors]

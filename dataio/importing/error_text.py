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
            r"^unsupported file type .*$",
            gettext_noop("unsupported file type; use .csv or .xlsx"),
        ),
        (
            r"^file is (?P<size>[\d.]+) MB, more than the limit of (?P<limit>\d+) MB$",
            gettext_noop("the file is %(size)s MB, more than the limit of %(limit)s MB"),
        ),
        (
            r"^refused by the database: (?P<detail>.+)$",
            gettext_noop("refused by the database: %(detail)s"),
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


def errors_for_page(errors: list[RowError]) -> list[dict]:
    """Row errors as a page lists them: row number (0: the file itself), column, reason."""
    return [{"row": e.row, "column": e.column, "reason": reason_text(e.reason)} for e in errors]

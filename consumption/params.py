"""Query parameters of the consumption API: parsed and checked, each error naming its parameter."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from consumption.models import WaterUser

# Water-function zones are river and reservoir reaches: no water user lies in one and no record
# says which reach a user draws from, so consumption is not grouped by them (every zone read
# 0 m³). Their verdicts come from water-quality samples (compliance.rules.water_quality).
ZONE_TYPES = ("town", "supply-zone", "irrigation-district")
NOT_A_CONSUMPTION_ZONE = "water-function-zone"
GROUP_KEYS = ("zone", "month", "sector")
FORMATS = ("json", "csv", "xlsx")
COMPARE = ("previous_year",)
MAX_MONTHS = 120  # ten years per query: the table, chart and files stay readable
MAX_ZONES = 500
YEARS = (2000, 2100)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class QueryError(ValueError):
    """Bad query parameters: details maps each parameter to its messages (the API's 400)."""

    def __init__(self, details: dict[str, list[str]]):
        super().__init__(details)
        self.details = details


@dataclass(frozen=True)
class Period:
    """Whole months from `start` to `end` inclusive (both the first day of their month)."""

    start: dt.date
    end: dt.date

    @property
    def months(self) -> list[dt.date]:
        return [add_months(self.start, k) for k in range(self.month_count)]

    @property
    def month_count(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def shifted(self, months: int) -> Period:
        return Period(add_months(self.start, months), add_months(self.end, months))


@dataclass(frozen=True)
class ConsumptionQuery:
    """A consumption query by zone: what to sum, over which zones and months, grouped how."""

    zone_type: str
    period: Period
    zones: tuple[str, ...] = ()  # empty = every zone of the type
    sector: str | None = None
    source: str | None = None
    group_by: tuple[str, ...] = ("zone",)
    compare: str | None = None
    format: str = "json"
    extra: dict = field(default_factory=dict, compare=False)

    def as_params(self) -> dict[str, str]:
        """The query string that reproduces this query (for links and file metadata)."""
        out = {
            "zone_type": self.zone_type,
            "start": f"{self.period.start:%Y-%m}",
            "end": f"{self.period.end:%Y-%m}",
            "group_by": ",".join(self.group_by),
        }
        if self.zones:
            out["zones"] = ",".join(self.zones)
        for name in ("sector", "source", "compare"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(raw: object, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    """'YYYY-MM' → the month's first day; a message under `name` when it is not one."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        errors.setdefault(name, []).append(_("A month is required (YYYY-MM)."))
        return None
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        errors.setdefault(name, []).append(
            _("“%(raw)s” is not a month; write YYYY-MM, e.g. 2024-03.") % {"raw": text[:20]}
        )
        return None
    year = int(match.group(1))
    if not YEARS[0] <= year <= YEARS[1]:
        errors.setdefault(name, []).append(
            _("The year must lie between %(min)d and %(max)d.") % {"min": YEARS[0], "max": YEARS[1]}
        )
        return None
    return dt.date(year, int(match.group(2)), 1)


def parse_period(raw_start: object, raw_end: object, errors: dict[str, list[str]]) -> Period | None:
    """start and end months (inclusive); end before start or too long a period is an error."""
    start = parse_month(raw_start, "start", errors)
    end = parse_month(raw_end, "end", errors)
    if start is None or end is None:
        return None
    if end < start:
        errors.setdefault("end", []).append(
            _("The period is reversed: the end month comes before the start month.")
        )
        return None
    period = Period(start, end)
    if period.month_count > MAX_MONTHS:
        errors.setdefault("end", []).append(
            _("At most %(n)d months per query.") % {"n": MAX_MONTHS}
        )
        return None
    return period


def parse_choice(
    raw: object, name: str, choices: tuple[str, ...], errors: dict[str, list[str]]
) -> str | None:
    """An optional value among `choices` (empty = none)."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    if text not in choices:
        errors.setdefault(name, []).append(
            _("“%(raw)s” is not one of: %(choices)s.")
            % {"raw": text[:40], "choices": ", ".join(choices)}
        )
        return None
    return text


def parse_filters(params: Mapping, errors: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """sector and source filters (optional)."""
    sector = parse_choice(params.get("sector"), "sector", tuple(WaterUser.Sector.values), errors)
    source = parse_choice(params.get("source"), "source", tuple(WaterUser.Source.values), errors)
    return sector, source


def parse_group_by(
    raw: object, allowed: tuple[str, ...], default: tuple[str, ...], errors
) -> tuple:
    """A comma list of grouping keys, returned in the canonical order zone, month, sector."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return default
    keys = {k.strip() for k in text.split(",") if k.strip()}
    unknown = sorted(keys - set(allowed))
    if unknown:
        errors.setdefault("group_by", []).append(
            _("Unknown grouping %(keys)s; use any of: %(allowed)s.")
            % {"keys": ", ".join(k[:20] for k in unknown[:5]), "allowed": ", ".join(allowed)}
        )
        return default
    return tuple(k for k in GROUP_KEYS if k in keys) or default


def parse_zone_codes(raw: object, errors: dict[str, list[str]]) -> tuple[str, ...]:
    """'c1,c2,…' → codes in the given order without repeats (empty = every zone)."""
    text = "" if raw is None else str(raw).strip()
    codes = list(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    if len(codes) > MAX_ZONES:
        errors.setdefault("zones", []).append(_("At most %(n)d zones.") % {"n": MAX_ZONES})
        return ()
    too_long = [c for c in codes if len(c) > 32]
    if too_long:
        errors.setdefault("zones", []).append(_("A zone code has at most 32 characters."))
        return ()
    return tuple(codes)


def consumption_query_parse(params: Mapping) -> ConsumptionQuery:
    """The zone query from request parameters; QueryError naming every bad parameter.

    zone_type (default town), zones (comma list of codes), start and end (YYYY-MM, inclusive),
    sector, source, group_by (comma list of zone, month, sector; default zone),
    compare (previous_year), format (json | csv | xlsx).
    """
    errors: dict[str, list[str]] = {}
    if str(params.get("zone_type") or "").strip() == NOT_A_CONSUMPTION_ZONE:
        errors.setdefault("zone_type", []).append(
            _(
                "Consumption is not grouped by water-function zones: they are river reaches "
                "no water user lies in; group by town, supply zone or irrigation district."
            )
        )
    zone_type = parse_choice(params.get("zone_type"), "zone_type", ZONE_TYPES, errors) or "town"
    period = parse_period(params.get("start"), params.get("end"), errors)
    sector, source = parse_filters(params, errors)
    group_by = parse_group_by(params.get("group_by"), GROUP_KEYS, ("zone",), errors)
    compare = parse_choice(params.get("compare"), "compare", COMPARE, errors)
    fmt = parse_choice(params.get("format"), "format", FORMATS, errors) or "json"
    zones = parse_zone_codes(params.get("zones"), errors)
    if errors or period is None:
        raise QueryError(errors)
    return ConsumptionQuery(
        zone_type=zone_type,
        period=period,
        zones=zones,
        sector=sector,
        source=source,
        group_by=group_by,
        compare=compare,
        format=fmt,
    )

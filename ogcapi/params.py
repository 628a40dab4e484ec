"""Query parameters and formats of the OGC API: each parsed once, a 400 naming the parameter
when it is not understood (unknown parameters included: 17-069r4 permits refusing them, and
a misspelt filter silently ignored would return every feature)."""

from __future__ import annotations

import datetime as dt
import math
import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from layers.attributes import Attr
from layers.selectors import MAX_PAGE_SIZE
from ogcapi.crs import CrsRefused, OgcCrs, bbox_to_lonlat, crs_parse

DEFAULT_LIMIT = 10
MAX_LIMIT = MAX_PAGE_SIZE  # the layers API's page size bound
MAX_OFFSET = 100_000_000  # far past any layer; keeps OFFSET within reason
ITEMS_PARAMS = frozenset({"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime"})
ITEM_PARAMS = frozenset({"f", "crs"})
FORMATS = {"json": "json", "geojson": "json", "html": "html"}
_MEDIA = {
    "application/geo+json": "json",
    "application/json": "json",
    "application/vnd.oai.openapi+json": "json",
    "application/openapi+json": "json",
    "text/html": "html",
    "application/xhtml+xml": "html",
}


def refuse(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def unknown_check(query, allowed: frozenset[str] | set[str]) -> None:
    """400 for a parameter the resource does not define."""
    for name in query:
        if name not in allowed:
            raise refuse(
                name,
                _("Unknown parameter %(name)s; this resource takes %(names)s.")
                % {"name": name, "names": ", ".join(sorted(allowed))},
            )


def output_format(request, html: bool = True) -> str:
    """'json' or 'html': the `f` parameter first, else the Accept header (the first of the
    highest quality the resource has), else JSON."""
    raw = request.query_params.get("f")
    if raw is not None:
        found = FORMATS.get(raw.strip().lower())
        if found is None or (found == "html" and not html):
            names = "json, geojson, html" if html else "json"
            raise refuse("f", _("Unknown format; one of %(names)s.") % {"names": names})
        return found
    ranked = []
    for position, part in enumerate(request.headers.get("Accept", "").split(",")):
        media, *options = (p.strip() for p in part.split(";"))
        quality = 1.0
        for option in options:
            key, _sep, value = option.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        kind = _MEDIA.get(media.lower())
        if kind == "html" and not html:
            kind = None
        if kind is not None and quality > 0:
            ranked.append((-quality, position, kind))
    return min(ranked)[2] if ranked else "json"


def _integer(query, name: str, default: int, low: int, high: int | None) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\+?\d{1,12}", raw.strip()):
        raise refuse(name, _("%(name)s must be a whole number.") % {"name": name})
    value = int(raw)
    if value < low:
        raise refuse(name, _("%(name)s must be at least %(low)s.") % {"name": name, "low": low})
    if high is not None and value > high:
        raise refuse(name, _("%(name)s must be at most %(high)s.") % {"name": name, "high": high})
    return value


def limit_param(query) -> int:
    """1 or more; above MAX_LIMIT it is MAX_LIMIT (17-069r4 §7.15.3: the server may return
    fewer; a next link follows)."""
    return min(_integer(query, "limit", DEFAULT_LIMIT, 1, None), MAX_LIMIT)


def offset_param(query) -> int:
    return _integer(query, "offset", 0, 0, MAX_OFFSET)


def crs_param(query, name: str = "crs") -> OgcCrs:
    try:
        return crs_parse(query.get(name))
    except CrsRefused:
        raise refuse(
            name,
            _("Unsupported coordinate reference system; the collection lists those offered."),
        ) from None


def bbox_param(query) -> tuple[float, float, float, float] | None:
    """The `bbox` (in `bbox-crs`, CRS84 by default) as a lon/lat box, or None."""
    raw = query.get("bbox")
    if "bbox-crs" in query and raw is None:
        raise refuse("bbox-crs", _("bbox-crs is given without a bbox."))
    crs = crs_param(query, "bbox-crs")
    if raw is None:
        return None
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError:
        values = ()
    try:
        return bbox_to_lonlat(values, crs)
    except ValueError:
        raise refuse(
            "bbox",
            _(
                "Four numbers (or six with heights): the lower corner then the upper corner, "
                "in the axis order of bbox-crs (CRS84: minlon,minlat,maxlon,maxlat)."
            ),
        ) from None


_INSTANT = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?"


def datetime_param(query) -> None:
    """`datetime` is checked (RFC 3339 instant or interval, `..` open) and then does not
    filter: no collection has a temporal extent (documented in docs/ogcapi.md)."""
    raw = query.get("datetime")
    if raw is None:
        return
    parts = raw.split("/")
    ok = 1 <= len(parts) <= 2 and all(
        (p in ("..", "") and len(parts) == 2) or re.fullmatch(_INSTANT, p) for p in parts
    )
    if ok:
        for part in parts:
            if part not in ("..", ""):
                try:
                    dt.datetime.fromisoformat(part.replace("Z", "+00:00"))
                except ValueError:
                    ok = False
    if not ok:
        raise refuse("datetime", _("An RFC 3339 date-time, or an interval start/end."))


def property_filters(query, attrs: list[Attr]) -> dict:
    """?name=value for the collection's queryable attributes, as ORM filters (equality)."""
    by_name = {a.name: a for a in attrs}
    filters: dict = {}
    for name in query:
        attr = by_name.get(name)
        if attr is None:
            continue
        raw = query.get(name)
        if attr.kind == "str":
            value: object = raw
            if attr.choices and raw not in attr.choices:
                raise refuse(
                    name,
                    _("One of %(choices)s.") % {"choices": ", ".join(attr.choices)},
                )
        elif attr.kind == "bool":
            value = {"true": True, "false": False}.get(raw.strip().lower())
            if value is None:
                raise refuse(name, _("true or false."))
        else:
            try:
                value = float(raw) if attr.kind == "float" else int(raw.strip())
            except ValueError:
                value = None
            if value is None or (isinstance(value, float) and not math.isfinite(value)):
                raise refuse(name, _("%(name)s must be a number.") % {"name": name})
            if attr.kind == "int" and abs(value) > 2**31:
                raise refuse(name, _("%(name)s must be a number.") % {"name": name})
        filters[name] = value
    return filters

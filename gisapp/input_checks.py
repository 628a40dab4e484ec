"""Hostile request input refused in one place, before any view, form or query sees it.

- NUL characters (\\x00) in the path, a query parameter, a form field or a JSON string (key or
  value): PostgreSQL text cannot hold them, so they were 500s → 400 naming the parameter.
- Integers past PostgreSQL's bigint (±9,223,372,036,854,775,807) in a query parameter or a JSON
  body → 400 naming it; in a URL (a feature id such as /features/99999999999999999999/) → 404
  for an id ("no such feature"), 400 for any other number (tile coordinates).
- JSON bodies nested deeper than REQUEST_JSON_MAX_DEPTH (32) → 400, measured on the raw text
  before any parser recurses (100,000 nested lists were a RecursionError, a 500).

Answers are JSON in the API's error shape on the paths machines read (error_pages.JSON_PREFIXES),
a translated page elsewhere.
A body that is not valid JSON is left to the view, which answers its own parse error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from gisapp.error_pages import error_response

# PostgreSQL's bigint, the widest integer column (every primary key is one).
PG_BIGINT_MIN = -(2**63)
PG_BIGINT_MAX = 2**63 - 1
NUL = "\x00"
_INTEGER = re.compile(r"[+-]?\d+")
# A JSON string literal (the unrolled form never backtracks); its brackets are not nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_OPEN = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSE = np.frombuffer(b"]}", dtype=np.uint8)


@dataclass
class Refusal:
    """Why a request is refused: the field it names, what is wrong, the status."""

    field: str
    problem: str
    message: str
    status: int = 400
    extra: dict = field(default_factory=dict)

    def details(self) -> dict:
        return {"field": self.field, "problem": self.problem, **self.extra}


def _nul(name: str) -> Refusal:
    return Refusal(
        name,
        "nul_character",
        _("%(field)s contains a NUL character (\\x00), which no text may hold.") % {"field": name},
    )


def _out_of_range(name: str) -> Refusal:
    return Refusal(
        name,
        "integer_out_of_range",
        _("%(field)s: the number is out of range (at most %(max)s in absolute value).")
        % {"field": name, "max": f"{PG_BIGINT_MAX:,}"},
    )


def in_bigint_range(value: int) -> bool:
    return PG_BIGINT_MIN <= value <= PG_BIGINT_MAX


def text_refusal(name: str, value: str) -> Refusal | None:
    """A query parameter or form field: no NUL, an integer within bigint."""
    if NUL in name:
        return _nul(name.replace(NUL, "\\x00"))
    if NUL in value:
        return _nul(name)
    text = value.strip()
    if len(text) > 18 and _INTEGER.fullmatch(text) and not in_bigint_range(int(text[:400])):
        return _out_of_range(name)
    return None


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings skipped);
    linear in the text, with no recursion."""
    stripped = _JSON_STRING.sub(b'""', raw)
    codes = np.frombuffer(stripped, dtype=np.uint8)
    steps = np.isin(codes, _OPEN).astype(np.int32) - np.isin(codes, _CLOSE).astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def _walk(document) -> Iterator[tuple[str, object]]:
    """(path, value) of every key and scalar of a parsed JSON document, without recursion;
    paths read like `properties.code` and `overrides[0].r_bl`."""
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                yield child, key
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
        else:
            yield path or "body", value


def json_refusal(raw: bytes, max_depth: int) -> Refusal | None:
    """A JSON body: nesting within max_depth, no NUL in any string, integers within bigint.
    None also when the text is not JSON at all (the view answers its own parse error)."""
    depth = json_depth(raw)
    if depth > max_depth:
        return Refusal(
            "body",
            "json_too_deep",
            _("The JSON body is nested %(depth)d levels deep; at most %(max)d are accepted.")
            % {"depth": depth, "max": max_depth},
            extra={"max_depth": max_depth},
        )
    try:
        document = json.loads(raw)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError included
        return None
    for path, value in _walk(document):
        if isinstance(value, str) and NUL in value:
            return _nul(path.replace(NUL, "\\x00"))
        if isinstance(value, int) and not isinstance(value, bool) and not in_bigint_range(value):
            return _out_of_range(path)
    return None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def request_refusal(request: HttpRequest) -> Refusal | None:
    """The first hostile input of the request (path, query, form or JSON body), or None."""
    if NUL in request.path_info:
        return _nul("path")
    for name, values in request.GET.lists():
        for value in values:
            if refusal := text_refusal(name, value):
                return refusal
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.META.get("CONTENT_TYPE", "")
    if _is_json(content_type):
        try:
            raw = request.body
        except RequestDataTooBig:
            return None  # the view answers 413 (after authenticating), as it always has
        return json_refusal(raw, settings.REQUEST_JSON_MAX_DEPTH)
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        # Parsed here rather than in the view (the CSRF check would parse it anyway); a body
        # Django refuses (too large, too many fields) raises, and handler400 answers.
        for name, values in request.POST.lists():
            for value in values:
                if refusal := text_refusal(name, value):
                    return refusal
    return None


class InputCheckMiddleware:
    """Refuses hostile input (module docstring) before the view: place it after the language
    middleware, so the refusal is in the user's language, and before anything that reads
    parameters (CSRF, authentication, views)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = request_refusal(request)
        if refusal is not None:
            return error_response(request, refusal.status, refusal.message, refusal.details())
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Numbers taken from the URL (`<int:feature_id>`) within PostgreSQL's bigint."""
        for name, value in view_kwargs.items():
            if isinstance(value, int) and not in_bigint_range(value):
                if name == "pk" or name == "id" or name.endswith("_id"):
                    return error_response(request, 404, _("Not found."), {"field": name})
                refusal = _out_of_range(name)
                return error_response(request, 400, refusal.message, refusal.details())
        return None

"""Attributes a layer or record file carries: one parsing and validation rule per attribute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from layers.text_rules import text_checked


class AttrInvalid(ValueError):
    """The value is not of the attribute's kind (not a number, not a date...)."""


class AttrImplausible(ValueError):
    """The value is of the right kind but outside what the attribute allows.

    reason: "choices" | "range" | "check", for callers that word the refusal themselves.
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Attr:
    """An attribute a layer file carries beside its geometry.

    kind: 'str' | 'int' | 'float' | 'date' | 'month' | 'bool'; choices limit str values;
    required attributes
    must be present as a column and non-empty in every row.
    """

    name: str
    kind: str = "str"
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    # A further domain rule: value -> None, or the reason it is refused (e.g. a pipe diameter
    # off every nominal series). Import, API and admin share it through parse().
    check: Callable[[object], str | None] | None = None
    # A column naming a row of another table (records only): (model, foreign key field[, the
    # field it is named by, "code" unless given]), e.g. ("registers.WaterQuota", "quota") for a
    # column quota_code. Stored as the row's id.
    ref: tuple[str, ...] | None = None

    @property
    def db_column(self) -> str:
        """The table column the value is written to (a reference's foreign key id)."""
        return f"{self.ref[1]}_id" if self.ref else self.name

    @property
    def ref_lookup(self) -> str:
        """The referenced table's naming field ("code" unless the reference says otherwise)."""
        return self.ref[2] if self.ref and len(self.ref) > 2 else "code"

    @property
    def field_path(self) -> str:
        """The ORM path of the value as the file writes it (a reference: its naming field)."""
        return f"{self.ref[1]}__{self.ref_lookup}" if self.ref else self.name

    def parse(self, raw: object) -> object:
        """The value as stored; ValueError with a readable reason when it does not fit."""
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            if self.required:
                raise ValueError("a value is required")
            return None if self.kind != "str" else ""
        if isinstance(raw, float) and raw != raw:  # NaN from a numeric column
            if self.required:
                raise ValueError("a value is required")
            return None
        value = self._convert(raw)
        if self.choices and value not in self.choices:
            raise AttrImplausible(f"{value!r} is not one of {', '.join(self.choices)}", "choices")
        if self.min_value is not None and value < self.min_value:
            raise AttrImplausible(f"{value} is below the minimum {self.min_value:g}", "range")
        if self.max_value is not None and value > self.max_value:
            raise AttrImplausible(f"{value} is above the maximum {self.max_value:g}", "range")
        if self.check is not None and (problem := self.check(value)) is not None:
            raise AttrImplausible(problem, "check")
        return value

    def _convert(self, raw: object) -> object:
        if self.kind == "str":
            return text_checked(str(raw).strip())  # TextRefused is a ValueError: a row error
        if self.kind == "int":
            try:
                number = float(str(raw).strip()) if not isinstance(raw, int | float) else raw
            except ValueError:
                raise AttrInvalid(f"{raw!r} is not a whole number") from None
            if number != int(number):
                raise AttrInvalid(f"{raw!r} is not a whole number")
            return int(number)
        if self.kind == "float":
            try:
                number = float(str(raw).strip()) if not isinstance(raw, int | float) else raw
            except ValueError:
                raise AttrInvalid(f"{raw!r} is not a number") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise AttrInvalid(f"{raw!r} is not a finite number")
            return float(number)
        if self.kind == "bool":
            text = str(raw).strip().lower()
            if text in {"true", "1", "yes", "y", "是"}:
                return True
            if text in {"false", "0", "no", "n", "否"}:
                return False
            raise AttrInvalid(f"{raw!r} is not true or false")
        if self.kind == "month":
            if isinstance(raw, dt.date):
                return dt.date(raw.year, raw.month, 1)
            text = str(raw).strip()
            try:
                year, month = text.split("-")[:2]
                return dt.date(int(year), int(month), 1)
            except ValueError:
                raise AttrInvalid(f"{raw!r} is not a month (YYYY-MM)") from None
        if self.kind == "date":
            if isinstance(raw, dt.datetime):
                return raw.date()
            if isinstance(raw, dt.date):
                return raw
            try:
                return dt.date.fromisoformat(str(raw).strip()[:10])
            except ValueError:
                raise AttrInvalid(f"{raw!r} is not a date (YYYY-MM-DD)") from None
        raise AssertionError(self.kind)

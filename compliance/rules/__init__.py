"""Pure compliance rules: the Verdict type and helpers shared by the family modules. No Django.

Every threshold, limit, band and tier comes in as an argument (from an `Indicator` row seeded by
`compliance/indicators.json`); these modules hold no threshold literal.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

COMPLIANT = "compliant"
NON_COMPLIANT = "non_compliant"
NO_DATA = "no_data"
STATUSES = (COMPLIANT, NON_COMPLIANT, NO_DATA)

# Float noise (e.g. 0.0693 * 1000 / 1000 - 0.0693) must never flip a verdict that sits exactly on
# a threshold: computed figures are rounded to this many decimals before any comparison. Inputs
# are measured to far fewer digits.
DECIMALS = 9

_COMPARATORS = {
    "lte": lambda value, threshold: value <= threshold,
    "gte": lambda value, threshold: value >= threshold,
    "eq": lambda value, threshold: value == threshold,
}


@dataclass(frozen=True)
class Verdict:
    """One rule's result for one feature or area and period.

    value: the figure compared (unit in `unit`), None when no_data; threshold: what it was
    compared with (None when there is no single threshold); status: compliant | non_compliant |
    no_data; details: the figures behind the verdict (keys named in DESIGN.md per indicator);
    explanation_zh / explanation_en: one readable sentence with value, threshold, unit and clause.
    """

    value: float | None
    threshold: float | None
    unit: str
    status: str
    details: dict[str, Any] = field(default_factory=dict)
    explanation_zh: str = ""
    explanation_en: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready when the details are)."""
        return asdict(self)


def num(value: Any) -> float | None:
    """A measured number, or None when it was not measured (None, "", NaN)."""
    if value is None or value == "":
        return None
    out = float(value)
    return None if math.isnan(out) else out


def clean(value: float) -> float:
    """Round away float noise before a comparison (see DECIMALS)."""
    return round(value, DECIMALS)


def compare(value: float, comparator: str, threshold: float) -> bool:
    """Whether value meets threshold under comparator (lte | gte | eq), after clean()."""
    try:
        test = _COMPARATORS[comparator]
    except KeyError:
        raise ValueError(f"comparator {comparator!r} compares nothing") from None
    return test(clean(value), clean(threshold))


def status_of(value: float | None, comparator: str, threshold: float) -> str:
    """compliant / non_compliant for a value against a threshold; no_data when value is None."""
    if value is None:
        return NO_DATA
    return COMPLIANT if compare(value, comparator, threshold) else NON_COMPLIANT


def fmt(value: float | None, digits: int = 4) -> str:
    """A number for a sentence: up to `digits` decimals, no trailing zeros, thousands separated."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pct(share: float | None, digits: int = 1) -> str:
    """A 0–1 share as a percentage for a sentence: 0.8 -> '80%'."""
    if share is None:
        return "—"
    return f"{fmt(share * 100, digits)}%"


def verdict_text(status: str) -> tuple[str, str]:
    """The verdict word in Chinese and English."""
    return {
        COMPLIANT: ("达标", "compliant"),
        NON_COMPLIANT: ("不达标", "non-compliant"),
        NO_DATA: ("无数据", "no data"),
    }[status]


def refs(ref: str | None, default_zh: str, default_en: str) -> tuple[str, str]:
    """The clause cited in the Chinese and English sentences: `ref` (e.g. the indicator's source
    and clause) in both when given, else the rule module's defaults."""
    return (ref, ref) if ref else (default_zh, default_en)


def no_data(unit: str, threshold: float | None, zh: str, en: str, **details: Any) -> Verdict:
    """A no_data verdict with its reason."""
    return Verdict(
        value=None,
        threshold=threshold,
        unit=unit,
        status=NO_DATA,
        details=details,
        explanation_zh=zh,
        explanation_en=en,
    )


__all__ = [
    "COMPLIANT",
    "NON_COMPLIANT",
    "NO_DATA",
    "STATUSES",
    "Verdict",
    "clean",
    "compare",
    "fmt",
    "no_data",
    "num",
    "pct",
    "refs",
    "status_of",
    "verdict_text",
]

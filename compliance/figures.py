"""A county figure (value and how it was obtained) and the two ways most are built."""

from __future__ import annotations

from dataclasses import dataclass

from compliance.rules import fmt


@dataclass(frozen=True)
class Figure:
    """A county figure: its value (None = no data), how it was obtained in both languages,
    and the threshold when the year sets its own (a decline target of the year)."""

    value: float | None
    basis_zh: str
    basis_en: str
    details: dict
    threshold: float | None = None


def none(zh: str, en: str, **details) -> Figure:
    """No figure: why, in both languages."""
    return Figure(None, zh, en, details)


def share(part: float, whole: float, zh: str, en: str, **details) -> Figure:
    """part ÷ whole, or no data when whole is 0."""
    if not whole:
        return none(f"无{zh}数据", f"no data on {en}", **details)
    return Figure(
        part / whole,
        f"{zh}：{fmt(part, 2)} / {fmt(whole, 2)}",
        f"{en}: {fmt(part, 2)} / {fmt(whole, 2)}",
        {**details, "part": part, "whole": whole},
    )

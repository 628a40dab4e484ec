"""Water-use caps (用水总量控制) below the county: each town's users' use against its cap.

Indicator `town.water_use_cap`. No Django.
"""

from __future__ import annotations

from compliance.rules import COMPLIANT, Verdict, fmt, no_data, pct, refs, status_of, verdict_text
from compliance.rules.users import SECTOR_NAMES

RATE_UNIT = "0–1"
REF = "用水总量控制指标分解到乡镇"
REF_EN = "county water-use cap allocated to towns"


def town_cap(
    use_m3: float,
    cap_m3: float | None,
    sectors_excluded: list[str],
    threshold: float,
    *,
    ref: str | None = None,
) -> Verdict:
    """The town's use (its users, the excluded sectors left out) ÷ its yearly cap (m³).

    No cap set for the year: no_data (a town without a cap is not judged). Irrigation districts
    never count: their withdrawals are not inside any town's users.
    """
    ref_zh, ref_en = refs(ref, REF, REF_EN)
    left_zh = "、".join(SECTOR_NAMES.get(s, (s, s))[0] for s in sectors_excluded)
    left_en = ", ".join(SECTOR_NAMES.get(s, (s, s))[1] for s in sectors_excluded)
    scope_zh = f"镇内用水户（不含{left_zh}及灌区灌溉取水）" if left_zh else "镇内用水户"
    scope_en = f"the town's users ({left_en} and irrigation excluded)" if left_en else "users"
    if not cap_m3:
        return no_data(
            RATE_UNIT,
            threshold,
            f"该镇本年未设用水总量控制指标，不评价（{ref_zh}）。",
            f"No water-use cap set for the town this year: not assessed ({ref_en}).",
            use_m3=round(use_m3, 3),
        )
    value = use_m3 / cap_m3
    status = status_of(value, "lte", threshold)
    word_zh, word_en = verdict_text(status)
    sign = "≤" if status == COMPLIANT else ">"
    return Verdict(
        value=value,
        threshold=threshold,
        unit=RATE_UNIT,
        status=status,
        details={
            "use_m3": round(use_m3, 3),
            "cap_m3": cap_m3,
            "sectors_excluded": sectors_excluded,
        },
        explanation_zh=(
            f"{scope_zh}用水 {fmt(use_m3, 0)} m³，控制指标 {fmt(cap_m3, 0)} m³，"
            f"占 {pct(value)} {sign} {pct(threshold)}，{word_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Use of {scope_en} {fmt(use_m3, 0)} m³ against a cap of {fmt(cap_m3, 0)} m³: "
            f"{pct(value)} {sign} {pct(threshold)}, {word_en} ({ref_en})."
        ),
    )


__all__ = ["town_cap"]

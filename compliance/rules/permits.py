"""Withdrawal permits (取水许可): a self-supplied user's withdrawal against its permit.

Indicator `user.withdrawal_permit`. 《取水许可和水资源费征收管理条例》(国务院令第460号):
withdrawing from a river, lake or groundwater needs a permit (§2), except the small uses of
§4 (household use, scattered livestock…: params.sectors_exempt); the permit sets the annual
volume (§24) and its term (§25: at most 10 years); the holder must install metering (§43,
here "monitored": a metering / monitoring point). No Django.
"""

from __future__ import annotations

import datetime as dt

from compliance.rules import COMPLIANT, NON_COMPLIANT, Verdict, fmt, refs, verdict_text

PERMIT_REF = "《取水许可和水资源费征收管理条例》（国务院令第460号）第二、四、二十四、四十三条"
PERMIT_REF_EN = (
    "Regulations on water-withdrawal permits and water-resource fees (State Council 460)"
)


def _valid_in(permit: dict, year: int) -> bool:
    return permit["valid_from"] <= dt.date(year, 12, 31) and permit["valid_to"] >= dt.date(
        year, 1, 1
    )


def withdrawal_permit(
    annual_use_m3: float,
    sector: str,
    permits: list[dict],
    year: int,
    params: dict,
    *,
    ref: str | None = None,
) -> Verdict | None:
    """The user's permit for `year` (dicts with permit_number, permitted_m3, valid_from,
    valid_to, monitored). None when no permit is needed (exempt sector or no withdrawal).

    Value = withdrawal ÷ permitted volume (threshold 1). Non-compliant when no permit is valid
    in the year, the one valid lapsed before the year's end without renewal, the withdrawal
    exceeds the permitted volume, or the intake has no monitoring point. A permit lapsing
    within params["expiring_days"] after the year's end is flagged in the details.
    """
    if sector in params.get("sectors_exempt", ()) or annual_use_m3 <= 0:
        return None
    ref_zh, ref_en = refs(ref, PERMIT_REF, PERMIT_REF_EN)
    valid = [p for p in permits if _valid_in(p, year)]
    if not valid:
        zh, en = verdict_text(NON_COMPLIANT)
        return Verdict(
            value=None,
            threshold=1.0,
            unit="",
            status=NON_COMPLIANT,
            details={"problems": ["no_permit"], "withdrawal_m3": annual_use_m3},
            explanation_zh=(
                f"{year} 年取水 {fmt(annual_use_m3, 0)} m³ 但无有效取水许可证，{zh}（{ref_zh}）。"
            ),
            explanation_en=(
                f"Withdrew {fmt(annual_use_m3, 0)} m³ in {year} without a valid withdrawal "
                f"permit: {en} ({ref_en})."
            ),
        )
    end = dt.date(year, 12, 31)
    permitted = sum(p["permitted_m3"] for p in valid)
    latest = max(valid, key=lambda p: p["valid_to"])
    problems, why_zh, why_en = [], [], []
    if latest["valid_to"] < end:
        problems.append("lapsed")
        why_zh.append(f"许可证 {latest['permit_number']} 已于 {latest['valid_to']} 到期未延续")
        why_en.append(f"permit {latest['permit_number']} lapsed on {latest['valid_to']}")
    if annual_use_m3 > permitted:
        problems.append("over_volume")
        why_zh.append(f"取水量超过许可水量 {fmt(annual_use_m3 - permitted, 0)} m³")
        why_en.append(f"{fmt(annual_use_m3 - permitted, 0)} m³ over the permitted volume")
    unmonitored = [p["permit_number"] for p in valid if not p["monitored"]]
    if unmonitored:
        problems.append("unmonitored")
        why_zh.append(f"取水口未设计量监控点（{'、'.join(unmonitored)}）")
        why_en.append(f"no monitoring point at the intake ({', '.join(unmonitored)})")
    expiring_days = int(params.get("expiring_days", 90))
    expiring = not problems and (latest["valid_to"] - end).days <= expiring_days
    status = NON_COMPLIANT if problems else COMPLIANT
    zh, en = verdict_text(status)
    head_zh = f"取水 {fmt(annual_use_m3, 0)} m³ / 许可水量 {fmt(permitted, 0)} m³"
    head_en = f"withdrawal {fmt(annual_use_m3, 0)} m³ / permitted {fmt(permitted, 0)} m³"
    if expiring:
        why_zh.append(f"许可证将于 {latest['valid_to']} 到期，应及时申请延续")
        why_en.append(f"the permit lapses on {latest['valid_to']}: renew it in time")
    return Verdict(
        value=annual_use_m3 / permitted if permitted else None,
        threshold=1.0,
        unit="",
        status=status,
        details={
            "problems": problems,
            "permits": [p["permit_number"] for p in valid],
            "permitted_m3": permitted,
            "withdrawal_m3": annual_use_m3,
            "valid_to": str(latest["valid_to"]),
            "expiring": expiring,
        },
        explanation_zh=f"{head_zh}"
        + (f"；{'；'.join(why_zh)}" if why_zh else "")
        + f"，{zh}（{ref_zh}）。",
        explanation_en=f"{head_en}"
        + (f"; {'; '.join(why_en)}" if why_en else "")
        + f": {en} ({ref_en}).",
    )

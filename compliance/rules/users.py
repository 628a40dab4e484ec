"""Water users: planned-use management, over-plan surcharge tiers, key monitored users.

Indicators `user.planned_use`, `user.over_plan`, `user.key_monitored`. No Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from compliance.rules import (
    COMPLIANT,
    NON_COMPLIANT,
    Verdict,
    clean,
    fmt,
    no_data,
    num,
    pct,
    refs,
    verdict_text,
)

M3 = "m³"
PLANNED_REF = "《广东省节约用水办法》计划用水管理（珠三角以外地区）"
PLANNED_REF_EN = "Guangdong water-saving measures: planned use outside the Pearl River Delta"
OVER_PLAN_REF = "超计划累进加价（默认分档，待核）"
OVER_PLAN_REF_EN = "over-plan progressive surcharge, default tiers unverified"
KEY_USER_REF = "国家重点监控用水单位名录"
KEY_USER_REF_EN = "national list of key monitored water users"
# What an over-plan surcharge multiplies: the water price (public network) or, for a
# self-supplied user who buys no water, the water-resource tax (水资源税) per m³.
BASIS_NAMES = {
    "water_price": ("基本水价", "the base water price"),
    "resource_tax": (
        "水资源税（费）（自备水源不缴水费）",
        "the water-resource tax (self-supplied: no water price)",
    ),
}
SECTOR_NAMES = {
    "agriculture": ("农业", "agriculture"),
    "industry": ("工业", "industry"),
    "services": ("服务业", "services"),
    "public_institution": ("公共机构", "public institution"),
    "residential": ("居民生活", "residential"),
    "ecological": ("生态", "ecological"),
}


def _volumes(values: Iterable[float | None]) -> list[float]:
    return [v for v in (num(x) for x in values) if v is not None]


def planned_use(
    monthly_m3: list[float],
    sector: str,
    has_plan: bool,
    params: dict,
    *,
    ref: str | None = None,
) -> Verdict:
    """Whether a user that must have an annual plan has one; value = peak monthly use (m³).

    A user must plan when its sector is not exempt (residential) and its use exceeds
    params["monthly_threshold_m3"] in any month (strictly more; exactly on the line need not).
    A user that need not plan is compliant. No monthly figure -> no_data.
    """
    ref_zh, ref_en = refs(ref, PLANNED_REF, PLANNED_REF_EN)
    line = float(params["monthly_threshold_m3"])
    volumes = _volumes(monthly_m3)
    sector_zh, sector_en = SECTOR_NAMES.get(sector, (sector, sector))
    if not volumes:
        return no_data(
            M3,
            line,
            f"无月用水量数据，无法判断是否应纳入计划用水管理（{ref_zh}）。",
            f"No monthly use: cannot tell whether a plan is required ({ref_en}).",
            has_plan=has_plan,
            must_plan=None,
        )
    peak = max(volumes)
    exempt = sector in params.get("sectors_exempt", ())
    over_line = clean(peak) > clean(line)
    must_plan = not exempt and over_line
    status = NON_COMPLIANT if must_plan and not has_plan else COMPLIANT
    word_zh, word_en = verdict_text(status)
    sign = ">" if over_line else "≤"
    head_zh = f"峰值月用水量 {fmt(peak, 0)} m³ {sign} {fmt(line, 0)} m³"
    head_en = f"Peak monthly use {fmt(peak, 0)} m³ {sign} {fmt(line, 0)} m³"
    if exempt:
        why_zh = f"{sector_zh}用水户不纳入计划用水管理"
        why_en = f"{sector_en} users are not under planned-use management"
    elif not must_plan:
        why_zh, why_en = "无需纳入计划用水管理", "no annual plan required"
    elif has_plan:
        why_zh, why_en = "应纳入计划用水管理，已下达年度用水计划", "a plan is required and exists"
    else:
        why_zh, why_en = "应纳入计划用水管理，但无年度用水计划", "a plan is required but missing"
    return Verdict(
        value=peak,
        threshold=line,
        unit=M3,
        status=status,
        details={
            "has_plan": has_plan,
            "must_plan": must_plan,
            "sector": sector,
            "months": len(volumes),
        },
        explanation_zh=f"{head_zh}，{why_zh}，{word_zh}（{ref_zh}）。",
        explanation_en=f"{head_en}: {why_en}; {word_en} ({ref_en}).",
    )


def surcharge_tiers(
    over_m3: float, plan_m3: float, tiers: Sequence[Sequence[float | None]]
) -> list[dict]:
    """Split the volume over plan into the surcharge bands.

    tiers: [[upper bound as a share of the plan (None = no bound), base-price multiple], ...] in
    increasing order. Each band holds the volume over plan between the previous bound and its
    own (×plan); its multiple applies to that volume only. Returns every band:
    [{from_share, to_share, volume_m3, multiple}].
    """
    out: list[dict] = []
    lower = 0.0
    over = max(0.0, float(over_m3))
    for upper, multiple in tiers:
        if upper is not None and float(upper) <= lower:
            raise ValueError("surcharge tiers must have increasing upper bounds")
        top = math.inf if upper is None else float(upper) * plan_m3
        volume = max(0.0, min(over, top) - lower * plan_m3)
        out.append(
            {
                "from_share": lower,
                "to_share": None if upper is None else float(upper),
                "volume_m3": clean(volume),
                "multiple": float(multiple),
            }
        )
        if upper is None:
            break
        lower = float(upper)
    return out


def over_plan(
    annual_use_m3: float,
    plan_m3: float | None,
    params: dict,
    *,
    source: str = "public_network",
    ref: str | None = None,
) -> Verdict:
    """Volume used over the annual plan (m³) and its progressive surcharge.

    details: tiers (surcharge_tiers) and surcharge_multiples = Σ volume × multiple, i.e. the
    surcharge expressed as m³ charged at the basis; surcharge_basis: a public-network user's
    surcharge is on the water price it pays ("water_price"), a self-supplied user (surface or
    groundwater) pays no water price, so its surcharge is on the water-resource tax per m³
    ("resource_tax"). No plan (or a plan ≤ 0) -> no_data; any volume over plan -> non_compliant.
    """
    ref_zh, ref_en = refs(ref, OVER_PLAN_REF, OVER_PLAN_REF_EN)
    plan = num(plan_m3)
    use = num(annual_use_m3)
    if plan is None or plan <= 0 or use is None:
        why_zh = "无年度用水计划" if plan is None or plan <= 0 else "无年用水量"
        why_en = "no annual plan" if plan is None or plan <= 0 else "no annual use"
        return no_data(
            M3,
            0.0,
            f"{why_zh}，不评价超计划用水（{ref_zh}）。",
            f"Over-plan use not assessed: {why_en} ({ref_en}).",
            plan_m3=plan,
        )
    over = clean(max(0.0, use - plan))
    basis = "water_price" if source == "public_network" else "resource_tax"
    basis_zh, basis_en = BASIS_NAMES[basis]
    tiers = surcharge_tiers(over, plan, params["tiers"])
    multiples = clean(sum(t["volume_m3"] * t["multiple"] for t in tiers))
    status = NON_COMPLIANT if over > 0 else COMPLIANT
    word_zh, word_en = verdict_text(status)
    share = over / plan
    used = [t for t in tiers if t["volume_m3"] > 0]
    if used:
        bands_zh = "，".join(
            f"{_band(t)} 部分 {fmt(t['volume_m3'], 0)} m³ 加价 {fmt(t['multiple'])} 倍"
            for t in used
        )
        bands_en = ", ".join(
            f"{fmt(t['volume_m3'], 0)} m³ in {_band(t)} at +{fmt(t['multiple'])}×" for t in used
        )
        tail_zh = f"：{bands_zh}，加价合计相当于 {fmt(multiples, 0)} m³ {basis_zh}"
        tail_en = f": {bands_en}; surcharge = {basis_en} × {fmt(multiples, 0)} m³"
    else:
        tail_zh = tail_en = ""
    return Verdict(
        value=over,
        threshold=0.0,
        unit=M3,
        status=status,
        details={
            "annual_use_m3": use,
            "plan_m3": plan,
            "over_share": clean(share),
            "tiers": tiers,
            "surcharge_multiples": multiples,
            "surcharge_basis": basis,
        },
        explanation_zh=(
            f"年用水量 {fmt(use, 0)} m³，年度计划 {fmt(plan, 0)} m³，超计划 {fmt(over, 0)} m³"
            f"（{pct(share)}）{tail_zh}，{word_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Annual use {fmt(use, 0)} m³ against a plan of {fmt(plan, 0)} m³: {fmt(over, 0)} m³ "
            f"over ({pct(share)}){tail_en}; {word_en} ({ref_en})."
        ),
    )


def _band(tier: dict) -> str:
    """'0–20%', '20–40%', '> 40%' for a tier."""
    if tier["to_share"] is None:
        return f"> {pct(tier['from_share'])}"
    return f"{pct(tier['from_share']).rstrip('%')}–{pct(tier['to_share'])}"


def key_monitored(
    annual_use_m3: float | None, threshold: float, *, ref: str | None = None
) -> Verdict:
    """Key monitored user (重点用水单位) when annual use ≥ threshold (m³/yr).

    A classification, not a failure: status is compliant whenever there is data, and
    details["key_monitored"] says whether the user belongs on the list.
    """
    ref_zh, ref_en = refs(ref, KEY_USER_REF, KEY_USER_REF_EN)
    use = num(annual_use_m3)
    if use is None:
        return no_data(M3, threshold, f"无年用水量（{ref_zh}）。", f"No annual use ({ref_en}).")
    key = clean(use) >= clean(threshold)
    sign = "≥" if key else "<"
    zh = "列入重点监控用水单位" if key else "不属于重点监控用水单位"
    en = "listed as a key monitored user" if key else "not a key monitored user"
    return Verdict(
        value=use,
        threshold=threshold,
        unit=M3,
        status=COMPLIANT,
        details={"key_monitored": key},
        explanation_zh=(
            f"年用水量 {fmt(use, 0)} m³ {sign} {fmt(threshold, 0)} m³，{zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Annual use {fmt(use, 0)} m³ {sign} {fmt(threshold, 0)} m³: {en} ({ref_en})."
        ),
    )


__all__ = ["key_monitored", "over_plan", "planned_use", "surcharge_tiers"]

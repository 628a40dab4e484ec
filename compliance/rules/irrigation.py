"""Irrigation districts: coefficient, water use per 亩 against the crop quota, metering rate.

Indicators `irrigation.coefficient`, `irrigation.quota`, `irrigation.metering`. No Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compliance.rules import (
    COMPLIANT,
    Verdict,
    fmt,
    no_data,
    num,
    pct,
    refs,
    status_of,
    verdict_text,
)

RATE_UNIT = "0–1"
# A coefficient is read as a coefficient (0.553), not as a share (55.3%): no unit.
COEFFICIENT_UNIT = ""
QUOTA_UNIT = "m³/亩"
COEFFICIENT_REF = "广东省“十四五”农田灌溉水有效利用系数目标"
COEFFICIENT_REF_EN = "Guangdong 14th five-year irrigation-coefficient target"
QUOTA_REF = "DB44/T 1461.1-2021"
QUOTA_REF_EN = "DB44/T 1461.1-2021"
METERING_REF = "县域节水型社会评价标准 用水计量"
METERING_REF_EN = "county water-saving standard, metering"
FALLBACK_CROP = "other"  # the quota table's row for crops it does not list
CROP_NAMES = {
    "rice": ("水稻", "rice"),
    "vegetables": ("蔬菜", "vegetables"),
    "fruit": ("果树", "fruit"),
    "other": ("其他作物", "other crops"),
}


def crop_name(crop: str, lang: int) -> str:
    """Display name of a crop code (lang 0 = Chinese, 1 = English); unknown codes as given."""
    return CROP_NAMES.get(crop, (crop, crop))[lang]


def _figures(record: Mapping[str, Any] | None, *names: str) -> tuple[float | None, ...]:
    if record is None:
        return (None,) * len(names)
    return tuple(num(record.get(name)) for name in names)


def _sign(status: str, met: str) -> str:
    return met if status == COMPLIANT else {"≥": "<", "≤": ">"}[met]


def _share_of_withdrawal(
    record, part: str, threshold: float, *, missing: tuple[str, str], texts, unit: str = RATE_UNIT
) -> Verdict:
    """A district-year's `part` (m³) ÷ gross withdrawal (m³), met when ≥ threshold.

    Shared by the irrigation coefficient and the metering rate; a missing figure or a zero
    withdrawal gives no_data with the `missing` sentences; texts(part_m3, gross_m3, value, sign,
    words) -> (explanation_zh, explanation_en).
    """
    gross, part_m3 = _figures(record, "gross_withdrawal_m3", part)
    if gross is None or gross <= 0 or part_m3 is None:
        return no_data(unit, threshold, *missing)
    value = part_m3 / gross
    status = status_of(value, "gte", threshold)
    zh, en = texts(part_m3, gross, value, _sign(status, "≥"), verdict_text(status))
    return Verdict(
        value=value,
        threshold=threshold,
        unit=unit,
        status=status,
        details={"gross_withdrawal_m3": gross, part: part_m3},
        explanation_zh=zh,
        explanation_en=en,
    )


def coefficient(record: dict | None, threshold: float, *, ref: str | None = None) -> Verdict:
    """农田灌溉水有效利用系数 = net water to fields ÷ gross withdrawal, met when ≥ threshold.

    record: a district-year with gross_withdrawal_m3 and net_field_m3 (m³); None, a missing figure
    or a zero withdrawal -> no_data.
    """
    ref_zh, ref_en = refs(ref, COEFFICIENT_REF, COEFFICIENT_REF_EN)
    return _share_of_withdrawal(
        record,
        "net_field_m3",
        threshold,
        unit=COEFFICIENT_UNIT,
        missing=(
            f"缺少毛取水量或净灌溉水量，无法计算灌溉水有效利用系数（{ref_zh}）。",
            f"Gross withdrawal or net water to fields missing: no coefficient ({ref_en}).",
        ),
        texts=lambda net, gross, value, sign, words: (
            f"净灌溉水量 {fmt(net, 0)} m³ / 毛取水量 {fmt(gross, 0)} m³，灌溉水有效利用系数 "
            f"{fmt(value, 3)} {sign} {fmt(threshold, 3)}，{words[0]}（{ref_zh}）。",
            f"Net water to fields {fmt(net, 0)} m³ / gross withdrawal {fmt(gross, 0)} m³: "
            f"coefficient {fmt(value, 3)} {sign} {fmt(threshold, 3)}, {words[1]} ({ref_en}).",
        ),
    )


def quota(
    record: dict | None,
    main_crop: str | None,
    params: dict,
    *,
    ref: str | None = None,
    own: dict | None = None,
) -> Verdict:
    """Water use per 亩 (gross withdrawal ÷ irrigated area) against the district's quota.

    own: the quota the district is held to (register district-quotas: value, item, standard,
    verified, code), which wins; else params["quotas_m3_per_mu"]: crop -> m³ per 亩, a crop it
    does not list using its "other" row, and without one (or without a main crop) no_data.
    """
    ref_zh, ref_en = refs(ref, QUOTA_REF, QUOTA_REF_EN)
    quotas: Mapping[str, float] = params["quotas_m3_per_mu"]
    crop = (main_crop or "").strip()
    quota_crop = crop if crop in quotas else FALLBACK_CROP if crop else ""
    limit = num(quotas.get(quota_crop)) if quota_crop else None
    if own is not None and num(own.get("value")) is not None:
        limit = num(own["value"])
        quota_crop = crop
        ref_zh = f"{own.get('item', '')}：{own.get('standard', '')} {own.get('clause', '')}".strip()
    gross, area = _figures(record, "gross_withdrawal_m3", "irrigated_area_mu")
    if limit is None:
        return no_data(
            QUOTA_UNIT,
            None,
            f"主要作物“{crop or '未填'}”无用水定额，无法评价亩均用水量（{ref_zh}）。",
            f"No quota for main crop '{crop or 'unset'}': per-亩 use not assessed ({ref_zh}).",
            main_crop=crop or None,
        )
    if gross is None or area is None or area <= 0:
        return no_data(
            QUOTA_UNIT,
            limit,
            f"缺少毛取水量或灌溉面积，无法计算亩均用水量（{ref_zh}）。",
            f"Gross withdrawal or irrigated area missing: no use per 亩 ({ref_zh}).",
            main_crop=crop,
            quota_crop=quota_crop,
            quota_m3_per_mu=limit,
        )
    value = gross / area
    status = status_of(value, "lte", limit)
    word_zh, word_en = verdict_text(status)
    sign = _sign(status, "≤")
    via_zh = f"（按{crop_name(quota_crop, 0)}定额）" if quota_crop != crop else ""
    via_en = f" (using the {crop_name(quota_crop, 1)} quota)" if quota_crop != crop else ""
    return Verdict(
        value=value,
        threshold=limit,
        unit=QUOTA_UNIT,
        status=status,
        details={
            "main_crop": crop,
            "quota_crop": quota_crop,
            "quota_m3_per_mu": limit,
            "quota_code": own.get("code") if own else None,
            "quota_verified": own.get("verified") if own else None,
            "gross_withdrawal_m3": gross,
            "irrigated_area_mu": area,
        },
        explanation_zh=(
            f"亩均灌溉用水量 {fmt(value, 1)} m³/亩 {sign} {crop_name(crop, 0)}用水定额 "
            f"{fmt(limit, 1)} m³/亩{via_zh}，{word_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Irrigation use {fmt(value, 1)} m³/亩 {sign} the {crop_name(crop, 1)} quota "
            f"{fmt(limit, 1)} m³/亩{via_en}: {word_en} ({ref_zh})."
        ),
    )


def metering(record: dict | None, threshold: float, *, ref: str | None = None) -> Verdict:
    """Metering rate = metered withdrawal ÷ gross withdrawal, met when ≥ threshold."""
    ref_zh, ref_en = refs(ref, METERING_REF, METERING_REF_EN)
    return _share_of_withdrawal(
        record,
        "metered_withdrawal_m3",
        threshold,
        missing=(
            f"缺少毛取水量或计量水量，无法计算计量率（{ref_zh}）。",
            f"Gross or metered withdrawal missing: no metering rate ({ref_en}).",
        ),
        texts=lambda metered, gross, value, sign, words: (
            f"计量取水量 {fmt(metered, 0)} m³ / 毛取水量 {fmt(gross, 0)} m³，计量率 {pct(value)} "
            f"{sign} {pct(threshold)}，{words[0]}（{ref_zh}）。",
            f"Metered {fmt(metered, 0)} m³ of {fmt(gross, 0)} m³ withdrawn: metering rate "
            f"{pct(value)} {sign} {pct(threshold)}, {words[1]} ({ref_en}).",
        ),
    )


__all__ = ["coefficient", "crop_name", "metering", "quota"]

"""Irrigation districts against the rasters: land use vs declared area, net demand from rainfall.

Indicators `irrigation.paddy_area` and `irrigation.net_demand`. Every share, requirement and
allowance comes from the indicator's data. No Django.
"""

from __future__ import annotations

from collections.abc import Mapping

from compliance.rules import Verdict, fmt, no_data, num, pct, refs, status_of, verdict_text
from compliance.rules.irrigation import FALLBACK_CROP, crop_name

SHARE_UNIT = "0–1"
PER_MU_UNIT = "m³/亩"
M3_PER_MU_PER_MM = 666.67 / 1000  # 1 mm of water over 1 亩 (666.67 m²) is 0.667 m³
LAND_REF = ("土地利用现状与灌区申报面积核对", "land use against the declared irrigated area")
DEMAND_REF = ("作物需水量扣除有效降水估算净灌溉需水", "crop requirement net of effective rainfall")
CLASS_NAMES = {
    "paddy": ("水田", "paddy"),
    "dry_land": ("旱地", "dry land"),
    "forest": ("林地", "forest"),
    "built_up": ("建设用地", "built-up land"),
    "water": ("水域", "water"),
}


def _for_crop(table: Mapping, crop: str | None):
    crop = (crop or "").strip()
    return table.get(crop, table.get(FALLBACK_CROP)), crop if crop in table else FALLBACK_CROP


def _class_names(codes: list[str], lang: int) -> str:
    return ("+" if lang == 0 else " + ").join(CLASS_NAMES.get(c, (c, c))[lang] for c in codes)


def land_area_match(
    *,
    declared_mu: float | None,
    land_use_mu: Mapping[str, float] | None,
    main_crop: str | None,
    params: dict,
    threshold: float,
    ref: str | None = None,
    land_use_file_missing: bool = False,
) -> Verdict:
    """Relative gap between the irrigated land the land use shows and the declared area.

    land_use_mu: area (亩) of each land-use class code inside the district (zonal statistics of
    the land-use raster), None without a raster (land_use_file_missing: it is registered but
    its file is gone, and the explanation says to re-import it). params["classes_by_crop"]:
    main crop → class codes counted as irrigated land (its "other" row for crops it does not
    list). Value = |counted − declared| ÷ declared; compliant when ≤ threshold (a share, e.g. 0.2).
    """
    ref_zh, ref_en = refs(ref, *LAND_REF)
    codes, _row = _for_crop(params.get("classes_by_crop", {}), main_crop)
    declared = num(declared_mu)
    if land_use_mu is None and land_use_file_missing:
        return no_data(
            SHARE_UNIT,
            threshold,
            f"土地利用栅格文件缺失，需重新导入，无法核对灌区耕地面积（{ref_zh}）。",
            f"The land-use raster's file is missing; re-import it: irrigated land not checked "
            f"({ref_en}).",
        )
    if land_use_mu is None or not codes:
        return no_data(
            SHARE_UNIT,
            threshold,
            f"无土地利用栅格，无法核对灌区耕地面积（{ref_zh}）。",
            f"No land-use raster: irrigated land not checked ({ref_en}).",
        )
    if declared is None or declared <= 0:
        return no_data(
            SHARE_UNIT,
            threshold,
            f"灌区未申报有效灌溉面积，无法核对（{ref_zh}）。",
            f"No declared irrigated area to check against ({ref_en}).",
        )
    land = sum(float(land_use_mu.get(code, 0.0)) for code in codes)
    value = abs(land - declared) / declared
    status = status_of(value, "lte", threshold)
    word_zh, word_en = verdict_text(status)
    sign = "≤" if status == "compliant" else ">"
    more_zh = "偏多" if declared > land else "偏少"
    more_en = "above" if declared > land else "below"
    return Verdict(
        value=value,
        threshold=threshold,
        unit=SHARE_UNIT,
        status=status,
        details={
            "declared_area_mu": declared,
            "land_use_area_mu": land,
            "classes": codes,
            "main_crop": main_crop or "",
            "land_use_mu": dict(land_use_mu),
        },
        explanation_zh=(
            f"土地利用显示{_class_names(codes, 0)} {fmt(land, 0)} 亩，申报有效灌溉面积 "
            f"{fmt(declared, 0)} 亩（申报{more_zh}），相对偏差 {pct(value)} {sign} "
            f"{pct(threshold)}，{word_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Land use shows {fmt(land, 0)} 亩 of {_class_names(codes, 1)} against "
            f"{fmt(declared, 0)} 亩 declared (declared {more_en} the land): gap "
            f"{pct(value)} {sign} {pct(threshold)}, {word_en} ({ref_en})."
        ),
    )


def net_demand(
    *,
    record: Mapping | None,
    rainfall_mm: float | None,
    main_crop: str | None,
    params: dict,
    ref: str | None = None,
    rainfall_file_missing: bool = False,
) -> Verdict:
    """Net water to fields per 亩 against the net irrigation demand estimated from rainfall.

    Demand (mm) = max(0, crop requirement − effective share × mean annual rainfall over the
    district); in m³ per 亩 × 0.667. The limit is demand × (1 + allowance share). Value = net
    water to fields ÷ irrigated area (m³ per 亩), compliant when ≤ the limit.
    params: crop_requirement_mm (crop → mm; "other" for the rest), effective_rainfall_share,
    allowance_share. rainfall_file_missing: the rainfall raster is registered but its file is
    gone (no_data, saying to re-import it).
    """
    ref_zh, ref_en = refs(ref, *DEMAND_REF)
    requirement, crop_row = _for_crop(params.get("crop_requirement_mm", {}), main_crop)
    share = num(params.get("effective_rainfall_share"))
    allowance = num(params.get("allowance_share")) or 0.0
    rain = num(rainfall_mm)
    if rain is None and rainfall_file_missing:
        return no_data(
            PER_MU_UNIT,
            None,
            f"降水栅格文件缺失，需重新导入，无法估算净灌溉需水（{ref_zh}）。",
            f"The rainfall raster's file is missing; re-import it: no demand estimate ({ref_en}).",
        )
    if rain is None or requirement is None or share is None:
        return no_data(
            PER_MU_UNIT,
            None,
            f"无降水栅格或作物需水参数，无法估算净灌溉需水（{ref_zh}）。",
            f"No rainfall raster or crop requirement: no demand estimate ({ref_en}).",
        )
    demand_mm = max(0.0, float(requirement) - share * rain)
    demand = demand_mm * M3_PER_MU_PER_MM
    limit = demand * (1 + allowance)
    figures = {
        "rainfall_mm": rain,
        "effective_rainfall_mm": share * rain,
        "crop_requirement_mm": float(requirement),
        "requirement_crop": crop_row,
        "net_demand_mm": demand_mm,
        "net_demand_m3_per_mu": demand,
        "allowance_share": allowance,
    }
    net = num((record or {}).get("net_field_m3"))
    area = num((record or {}).get("irrigated_area_mu"))
    if net is None or area is None or area <= 0:
        return no_data(
            PER_MU_UNIT,
            limit,
            f"缺少净灌溉水量或灌溉面积（{ref_zh}）。",
            f"Net water to fields or irrigated area missing ({ref_en}).",
            **figures,
        )
    value = net / area
    status = status_of(value, "lte", limit)
    word_zh, word_en = verdict_text(status)
    sign = "≤" if status == "compliant" else ">"
    return Verdict(
        value=value,
        threshold=limit,
        unit=PER_MU_UNIT,
        status=status,
        details={**figures, "net_field_m3": net, "irrigated_area_mu": area},
        explanation_zh=(
            f"净灌溉用水 {fmt(value, 1)} m³/亩 {sign} 上限 {fmt(limit, 1)} m³/亩"
            f"（{crop_name(crop_row, 0)}需水 {fmt(requirement, 0)} mm − 有效降水 "
            f"{pct(share, 0)} × {fmt(rain, 0)} mm = {fmt(demand_mm, 0)} mm，即 {fmt(demand, 1)} "
            f"m³/亩，允许超出 {pct(allowance, 0)}），{word_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Net water to fields {fmt(value, 1)} m³/亩 {sign} the limit {fmt(limit, 1)} m³/亩 "
            f"({crop_name(crop_row, 1)} needs {fmt(requirement, 0)} mm − effective rainfall "
            f"{pct(share, 0)} × {fmt(rain, 0)} mm = {fmt(demand_mm, 0)} mm, i.e. "
            f"{fmt(demand, 1)} m³/亩, plus {pct(allowance, 0)}): {word_en} ({ref_en})."
        ),
    )


__all__ = ["land_area_match", "net_demand"]

"""Service pressure of a supply zone from the latest hydraulic run (`supply.service_pressure`).

No Django. The share of the zone's demand junctions whose lowest pressure over the run stays
at or above the minimum service pressure (城镇供水服务 CJ/T 316-2009 §3.3.1: 管网末梢压力不得
低于 0.14 MPa; §3.3.2: 管网压力合格率不得低于 97%), against the required share.
"""

from __future__ import annotations

from collections.abc import Mapping

from compliance.rules import Verdict, clean, fmt, no_data, refs, status_of, verdict_text

UNIT = "%"
REF = "CJ/T 316-2009 §3.3.1、§3.3.2（未核实）"
REF_EN = "CJ/T 316-2009 §3.3.1, §3.3.2 (unverified)"


def min_pressure_m(params: Mapping) -> float:
    """The minimum service pressure in metres of water head (MPa x m per MPa, 2 decimals, as
    the hydraulic runs store it: 0.14 MPa -> 14.28 m)."""
    return round(float(params["min_pressure_mpa"]) * float(params["m_per_mpa"]), 2)


def service_pressure(
    run: Mapping | None,
    params: Mapping,
    threshold: float | None,
    *,
    ref: str | None = None,
) -> Verdict:
    """The zone's pressure pass rate in its latest hydraulic run.

    run: network.hydraulics.selectors.zone_service_pressure's figures for the zone (None: no
    finished run has the year's demand); `judged` junctions, `ok` of them at or above the
    minimum at their lowest; params: min_pressure_mpa, m_per_mpa; threshold: the required
    share (%), compared >=. value = 100 x ok / judged.
    """
    ref_zh, ref_en = refs(ref, REF, REF_EN)
    min_mpa = float(params["min_pressure_mpa"])
    min_m = min_pressure_m(params)
    if run is None:
        return no_data(
            UNIT,
            threshold,
            f"没有该年用水量的水力计算结果（需运行水力计算；{ref_zh}）。",
            f"No hydraulic run with this year's demand (run the hydraulics; {ref_en}).",
            min_pressure_m=min_m,
        )
    judged, ok = int(run.get("judged") or 0), int(run.get("ok") or 0)
    details = {
        "min_pressure_mpa": min_mpa,
        "min_pressure_m": min_m,
        "judged": judged,
        "ok": ok,
        "below": judged - ok,
        "lowest_m": run.get("lowest_m"),
        "lowest_code": run.get("lowest_code"),
        "demand_lps": run.get("demand_lps"),
        "delivered_lps": run.get("delivered_lps"),
        "run_id": run.get("run_id"),
        "run_at": run.get("run_at"),
        "run_source": run.get("run_source"),
        "run_hours": run.get("run_hours"),
    }
    if judged == 0 or threshold is None:
        return no_data(
            UNIT,
            threshold,
            f"水力计算 #{run.get('run_id')} 中本分区没有用水节点（{ref_zh}）。",
            f"Hydraulic run #{run.get('run_id')} has no demand junction in this zone ({ref_en}).",
            **details,
        )
    share = clean(100.0 * ok / judged)
    status = status_of(share, "gte", threshold)
    word_zh, word_en = verdict_text(status)
    sign = "≥" if share >= clean(threshold) else "<"
    lowest = run.get("lowest_m")
    return Verdict(
        value=share,
        threshold=threshold,
        unit=UNIT,
        status=status,
        details=details,
        explanation_zh=(
            f"水力计算 #{run.get('run_id')}：{judged} 个用水节点中 {ok} 个最低压力不低于 "
            f"{fmt(min_mpa)} MPa（{fmt(min_m)} m），压力合格率 {fmt(share, 2)}% {sign} "
            f"{fmt(threshold)}%，最低 {fmt(lowest, 2)} m（{run.get('lowest_code')}），"
            f"{word_zh}（{ref_zh}）。"
        ),
        explanation_en=(
            f"Hydraulic run #{run.get('run_id')}: {ok} of {judged} demand junctions stay at or "
            f"above {fmt(min_mpa)} MPa ({fmt(min_m)} m) at their lowest, pass rate "
            f"{fmt(share, 2)}% {sign} {fmt(threshold)}%, lowest {fmt(lowest, 2)} m "
            f"({run.get('lowest_code')}), {word_en} ({ref_en})."
        ),
    )


__all__ = ["min_pressure_m", "service_pressure"]

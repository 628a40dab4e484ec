"""GB 3838-2002 single-factor assessment of water-function zones (`wfz.quality`). No Django."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from compliance.rules import COMPLIANT, Verdict, no_data, num, pct, refs, status_of, verdict_text

UNIT = "0–1"
REF = "GB 3838-2002 表1、§5；SL 395-2007"
REF_EN = "GB 3838-2002 Table 1, §5; SL 395-2007"
METHODS = {"all": ("全指标评价", "all parameters"), "double_index": ("双指标评价", "double index")}
CLASS_NAMES = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "劣V"}
PARAMETER_NAMES = {
    "do": ("溶解氧", "DO"),
    "codmn": ("高锰酸盐指数", "CODMn"),
    "cod": ("化学需氧量", "COD"),
    "bod5": ("五日生化需氧量", "BOD5"),
    "nh3n": ("氨氮", "NH3-N"),
    "tp": ("总磷", "TP"),
    "tn": ("总氮", "TN"),
}


def class_name(cls: int | None) -> str:
    """Roman class name, 劣V for 6."""
    return "—" if cls is None else CLASS_NAMES.get(cls, str(cls))


def _class_limits(params: Mapping, parameter: str, water_body: str) -> Sequence[float] | None:
    """Class I..V limits of a parameter for a water body; None when it is not assessed there."""
    by_body = params["limits"].get(parameter)
    if by_body is None:
        return None
    if water_body not in by_body:
        raise ValueError(f"unknown water body {water_body!r}; expected one of {sorted(by_body)}")
    return by_body[water_body]


def _assessed_names(sample: Mapping, params: Mapping, method: str) -> list[str]:
    if method == "all":
        return list(params["limits"])
    if method == "double_index":
        # Double index: CODMn (COD where CODMn was not measured) and NH3-N.
        fallback = params.get("double_index_fallback", {})
        names = []
        for name in params["double_index_parameters"]:
            if num(sample.get(name)) is None and name in fallback:
                name = fallback[name]
            names.append(name)
        return names
    raise ValueError(f"unknown assessment method {method!r}; expected one of {sorted(METHODS)}")


def parameter_class(value: float, limits: Sequence[float], minimum: bool) -> int:
    """Class 1..5 of one value (6 = worse than V). A minimum (DO) is met from above."""
    for cls, limit in enumerate(limits, start=1):
        if (value >= limit) if minimum else (value <= limit):
            return cls
    return len(limits) + 1


def parameter_classes(
    sample: Mapping[str, Any], water_body: str, params: Mapping, method: str = "all"
) -> dict[str, int]:
    """Class of every assessed, measured parameter of one sample.

    A parameter not measured (None, "", NaN) is skipped, never read as zero; one without a limit
    for the water body (TN on a river) is not assessed.
    """
    minimum = set(params.get("minimum_parameters", ()))
    out: dict[str, int] = {}
    for name in _assessed_names(sample, params, method):
        limits = _class_limits(params, name, water_body)
        value = num(sample.get(name))
        if limits is None or value is None:
            continue
        out[name] = parameter_class(value, limits, name in minimum)
    return out


def sample_class(
    sample: dict[str, float | None], water_body: str, params: dict, method: str = "all"
) -> int | None:
    """Worst class (1..5, 6 = 劣V) over the sample's measured parameters; None when none was."""
    classes = parameter_classes(sample, water_body, params, method)
    return max(classes.values()) if classes else None


def zone_year(
    samples: list[dict],
    water_body: str,
    target_class: int,
    params: dict,
    threshold: float,
    method: str = "all",
    *,
    ref: str | None = None,
) -> Verdict:
    """A zone's year: compliant samples ÷ assessed samples against the frequency threshold.

    samples: dicts of mg/L values keyed do, codmn, cod, bod5, nh3n, tp, tn (missing = not
    measured); water_body: river | lake; target_class: 1..5; threshold: required frequency
    (0–1, met when equal). A sample with no assessable parameter is not counted; no assessable
    sample in the year -> no_data.
    """
    ref_zh, ref_en = refs(ref, REF, REF_EN)
    if not 1 <= target_class <= 5:
        raise ValueError(f"target class must be 1..5, got {target_class!r}")
    method_zh, method_en = METHODS.get(method, (method, method))
    classes: list[int] = []
    exceedances: dict[str, int] = {}
    skipped = 0
    for sample in samples:
        by_parameter = parameter_classes(sample, water_body, params, method)
        if not by_parameter:
            skipped += 1
            continue
        classes.append(max(by_parameter.values()))
        for name, cls in by_parameter.items():
            if cls > target_class:
                exceedances[name] = exceedances.get(name, 0) + 1
    target = class_name(target_class)
    if not classes:
        return no_data(
            UNIT,
            threshold,
            f"全年无可评价的水质样品（目标 {target} 类，{method_zh}；{ref_zh}），无法评价。",
            f"No assessable water-quality sample in the year (target class {target}, "
            f"{method_en}; {ref_en}).",
            samples=0,
            compliant_samples=0,
            method=method,
            classes=[],
            target_class=target_class,
            skipped_samples=skipped,
        )
    compliant = sum(cls <= target_class for cls in classes)
    value = compliant / len(classes)
    status = status_of(value, "gte", threshold)
    word_zh, word_en = verdict_text(status)
    sign = "≥" if status == COMPLIANT else "<"
    worst = ""
    worst_en = ""
    if exceedances:
        worst = "；超标项目：" + "、".join(
            f"{PARAMETER_NAMES.get(p, (p, p))[0]} {n} 次" for p, n in sorted(exceedances.items())
        )
        worst_en = "; exceeded: " + ", ".join(
            f"{PARAMETER_NAMES.get(p, (p, p))[1]} {n}×" for p, n in sorted(exceedances.items())
        )
    return Verdict(
        value=value,
        threshold=threshold,
        unit=UNIT,
        status=status,
        details={
            "samples": len(classes),
            "compliant_samples": compliant,
            "method": method,
            "classes": classes,
            "target_class": target_class,
            "worst_class": max(classes),
            "skipped_samples": skipped,
            "exceedances": exceedances,
        },
        explanation_zh=(
            f"{compliant}/{len(classes)} 个样品达到目标 {target} 类，达标频次 {pct(value)} "
            f"{sign} {pct(threshold)}，{word_zh}（{method_zh}{worst}；{ref_zh}）。"
        ),
        explanation_en=(
            f"{compliant} of {len(classes)} samples meet target class {target}: frequency "
            f"{pct(value)} {sign} {pct(threshold)}, {word_en} ({method_en}{worst_en}; {ref_en})."
        ),
    )


__all__ = [
    "class_name",
    "parameter_class",
    "parameter_classes",
    "sample_class",
    "zone_year",
]

"""The columns of a consumption answer: key (units in the name), labels and unit, in one place.

The page's table, the CSV and the XLSX headers and the API's `units` all read this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str
    label_zh: str  # file headers are bilingual and the same in every UI language
    label: Promise  # the UI label, through gettext
    unit: str | Promise = ""
    digits: int | None = None  # rounding of the value (None: not a number)
    unit_zh: str = ""  # the unit in the Chinese half of file headers (default: unit)

    def header(self) -> str:
        """'用水量 (m³) / volume (m³)': the bilingual header of the CSV and XLSX files."""
        with translation.override("en"):
            label_en, unit_en = str(self.label), str(self.unit)
        unit_zh = self.unit_zh or unit_en
        zh = f"{self.label_zh} ({unit_zh})" if unit_zh else self.label_zh
        en = f"{label_en} ({unit_en})" if unit_en else label_en
        return f"{zh} / {en}"

    def ui_header(self) -> str:
        """The header in the active language with its unit."""
        return f"{self.label} ({self.unit})" if self.unit else str(self.label)


M3 = "m³"
COLUMNS = [
    Column("zone_code", "分区代码", _("zone code")),
    Column("zone_name", "分区名称", _("zone name")),
    Column("month", "月份", _("month")),
    Column("sector", "行业", _("sector")),
    Column("volume_m3", "用水量", _("volume"), M3, 3),
    Column("users_volume_m3", "计量用户用水量", _("metered users"), M3, 3),
    Column("irrigation_volume_m3", "灌区取水量", _("irrigation districts"), M3, 3),
    Column("planned_users_volume_m3", "计划用水户用水量", _("use of users with a plan"), M3, 3),
    Column("plan_m3", "用水计划", _("plans"), M3, 3),
    Column("plan_used_percent", "计划执行率", _("plan used"), "%", 2),
    Column("cap_m3", "用水总量控制指标", _("cap"), M3, 3),
    Column("capped_volume_m3", "控制指标范围内用水量", _("use under the cap"), M3, 3),
    Column("cap_used_percent", "占控制指标", _("cap used"), "%", 2),
    Column("population", "人口", _("population"), _("persons"), 0, unit_zh="人"),
    Column(
        "per_capita_l_per_day",
        "人均用水量",
        _("per capita"),
        _("L/(person·day)"),
        2,
        unit_zh="升/(人·日)",
    ),
    Column("gdp_10k_yuan", "地区生产总值", _("GDP"), _("10⁴ yuan"), 2, unit_zh="万元"),
    Column(
        "per_10k_gdp_m3",
        "万元GDP用水量",
        _("per 10,000 yuan GDP"),
        _("m³/10⁴ yuan"),
        4,
        unit_zh="m³/万元",
    ),
    Column("previous_volume_m3", "去年同期用水量", _("same period last year"), M3, 3),
    Column("change_percent", "同比变化", _("change"), "%", 2),
]
BY_KEY = {c.key: c for c in COLUMNS}


def columns_for(group_by: tuple[str, ...], *, stats: bool, compare: bool) -> list[Column]:
    """The columns of a zone query's answer, in order: grouping keys, then the figures."""
    keys = []
    if "zone" in group_by:
        keys += ["zone_code", "zone_name"]
    keys += [k for k in ("month", "sector") if k in group_by]
    keys += [
        "volume_m3",
        "users_volume_m3",
        "irrigation_volume_m3",
        "planned_users_volume_m3",
        "plan_m3",
        "plan_used_percent",
    ]
    if stats:
        keys += [
            "cap_m3",
            "capped_volume_m3",
            "cap_used_percent",
            "population",
            "per_capita_l_per_day",
            "gdp_10k_yuan",
            "per_10k_gdp_m3",
        ]
    if compare:
        keys += ["previous_volume_m3", "change_percent"]
    return [BY_KEY[k] for k in keys]


def method_notes() -> dict[str, str]:
    """How the figures are computed, in the active language (API `notes`, XLSX sheet)."""
    notes = {
        "volume": _(
            "Volume = metered users' consumption inside the zone (towns and supply zones by the "
            "users' derived membership; irrigation districts and drawn areas by a live spatial "
            "join) + irrigation records where they apply."
        ),
        "agriculture": _(
            "Agriculture = metered agricultural users + irrigation districts' gross withdrawal: "
            "a district's own records for irrigation districts; for towns and drawn areas each "
            "district's record × the share of its area inside the zone (no irrigation records "
            "for supply zones). A yearly record is split over months by the agricultural users' "
            "monthly profile of that year (1/12 per month when there is none). Records count as "
            "surface water."
        ),
        "scaling": _(
            "Annual plans, caps and GDP are scaled by 1/12 per month of the period; per-capita "
            "use divides by population × days of each month."
        ),
        "per_capita": _("Per-capita use in litres per person per day (towns only)."),
        "per_gdp": _("Use per 10,000 yuan of GDP in m³ (towns only)."),
        "plan": _(
            "Plan used = consumption of the users holding an annual plan ÷ their plans "
            "scaled to the period."
        ),
    }
    return {key: str(text) for key, text in notes.items()}

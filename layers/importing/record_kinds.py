"""The record kinds a bureau imports as CSV/XLSX: their exact headers, keys and checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from layers import models as m
from layers.registry import Attr


@dataclass(frozen=True)
class RecordKind:
    """One record kind: the parent it hangs off (by code), its columns and its natural key."""

    kind: str
    model: type[models.Model]
    parent_column: str  # the code column, e.g. zone_code
    parent_model: type[models.Model]
    parent_field: str  # the FK's db column, e.g. zone_id
    key: tuple[str, ...]  # other natural-key columns beside the parent
    columns: tuple[Attr, ...]
    checks: tuple[tuple[Callable[[dict], bool], str, str], ...] = ()

    @property
    def headers(self) -> list[str]:
        return [self.parent_column, *(a.name for a in self.columns)]


def _le(small: str, large: str) -> Callable[[dict], bool]:
    return lambda r: r[small] is None or r[large] is None or r[small] <= r[large]


def _mg(name: str) -> Attr:
    return Attr(name, "float", min_value=0)


def _m3(name: str, required: bool = True) -> Attr:
    return Attr(name, "float", required=required, min_value=0)


RECORD_KINDS: dict[str, RecordKind] = {
    k.kind: k
    for k in (
        RecordKind(
            "water-quality-samples",
            m.WaterQualitySample,
            "zone_code",
            m.WaterFunctionZone,
            "zone_id",
            ("sampled_on",),
            (
                Attr("sampled_on", "date", required=True),
                *(_mg(p) for p in ("do", "codmn", "cod", "bod5", "nh3n", "tp", "tn")),
            ),
        ),
        RecordKind(
            "water-balance",
            m.WaterBalance,
            "zone_code",
            m.SupplyZone,
            "zone_id",
            ("year",),
            (
                Attr("year", "int", required=True, min_value=1900, max_value=2100),
                _m3("system_input_m3"),
                _m3("billed_authorized_m3"),
                _m3("unbilled_authorized_m3"),
                _m3("household_metered_residential_m3"),
                Attr("mean_outlet_pressure_mpa", "float", required=True, min_value=0, max_value=10),
                Attr("max_frost_depth_m", "float", required=True, min_value=0, max_value=10),
            ),
            checks=(
                (
                    lambda r: (
                        r["billed_authorized_m3"] + r["unbilled_authorized_m3"]
                        <= r["system_input_m3"]
                    ),
                    "billed_authorized_m3",
                    "authorised consumption exceeds the system input volume",
                ),
            ),
        ),
        RecordKind(
            "sewage-plant-months",
            m.SewagePlantMonth,
            "plant_code",
            m.SewagePlant,
            "plant_id",
            ("month",),
            (
                Attr("month", "month", required=True),
                _m3("treated_m3"),
                *(_mg(p) for p in ("cod", "bod5", "ss", "nh3n", "tn", "tp")),
                Attr("water_temp_c", "float", min_value=-5, max_value=60),
                _m3("reclaimed_m3"),
            ),
            checks=(
                (
                    _le("reclaimed_m3", "treated_m3"),
                    "reclaimed_m3",
                    "reclaimed volume exceeds the treated volume",
                ),
            ),
        ),
        RecordKind(
            "irrigation-records",
            m.IrrigationRecord,
            "district_code",
            m.IrrigationDistrict,
            "district_id",
            ("year",),
            (
                Attr("year", "int", required=True, min_value=1900, max_value=2100),
                _m3("gross_withdrawal_m3"),
                _m3("net_field_m3"),
                Attr("irrigated_area_mu", "float", required=True, min_value=0),
                _m3("metered_withdrawal_m3", required=False),
            ),
            checks=(
                (
                    _le("net_field_m3", "gross_withdrawal_m3"),
                    "net_field_m3",
                    "net water to fields exceeds the gross withdrawal",
                ),
            ),
        ),
        RecordKind(
            "consumption",
            m.Consumption,
            "user_code",
            m.WaterUser,
            "user_id",
            ("month",),
            (
                Attr("month", "month", required=True),
                _m3("volume_m3"),
                Attr("metered", "bool", required=True),
            ),
        ),
        RecordKind(
            "area-stats",
            m.AreaYearStats,
            "area_code",
            m.AdminArea,
            "area_id",
            ("year",),
            (
                Attr("year", "int", required=True, min_value=1900, max_value=2100),
                Attr("population", "int", min_value=0),
                Attr("gdp_10k_yuan", "float", min_value=0),
                Attr("industrial_value_added_10k_yuan", "float", min_value=0),
                Attr("water_use_cap_m3", "float", min_value=0),
            ),
        ),
    )
}

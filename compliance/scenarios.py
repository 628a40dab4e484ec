"""What-if scenarios: override inputs, re-run every rule and the scorecard, store nothing."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.utils.translation import gettext as _

from compliance.evaluation import (
    evaluate_inputs,
    indicators_data,
    names_of,
    read_inputs,
    rows_as_results,
)
from compliance.inputs import CountyInput
from compliance.selectors import scorecard_from_results
from layers.models import AdminArea

MAX_OVERRIDES = 200


class ScenarioError(ValueError):
    """An override that cannot be applied; `details` names the offending entry."""

    def __init__(self, message: str, details: dict):
        super().__init__(message)
        self.details = details


def _number(entry: dict, key: str, index: int, minimum: float | None = 0.0) -> float:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ScenarioError(_("A number is required."), {f"overrides[{index}].{key}": value})
    if minimum is not None and value < minimum:
        raise ScenarioError(
            _("The value may not be negative."), {f"overrides[{index}].{key}": value}
        )
    return float(value)


def _find(items, code, index: int, kind: str):
    for item in items:
        if item.code == code:
            return item
    raise ScenarioError(
        _("Unknown code %(code)s for %(kind)s.") % {"code": code, "kind": kind},
        {f"overrides[{index}].code": code},
    )


def _supply_zone(data: CountyInput, entry: dict, i: int) -> None:
    """A zone's loss: `loss_m3` (Q_s − Q_a) or `r_wl_delta` in percentage points; optional km."""
    zone = _find(data.supply_zones, entry.get("code"), i, "supply_zone")
    if zone.balance is None:
        raise ScenarioError(
            _("This zone has no water balance for the year."), {f"overrides[{i}].code": zone.code}
        )
    b = zone.balance
    q_s = b["system_input_m3"]
    loss = q_s - b["billed_authorized_m3"] - b["unbilled_authorized_m3"]
    if "loss_m3" in entry:
        loss = _number(entry, "loss_m3", i)
    if "r_wl_delta" in entry:
        loss += _number(entry, "r_wl_delta", i, minimum=None) / 100 * q_s
    if loss < 0 or loss > q_s - b["unbilled_authorized_m3"]:
        raise ScenarioError(
            _("The loss must lie between 0 and the system input."), {f"overrides[{i}]": entry}
        )
    b["billed_authorized_m3"] = q_s - b["unbilled_authorized_m3"] - loss
    if "km_dn75_plus" in entry:
        zone.km_dn75_plus = _number(entry, "km_dn75_plus", i)


def _new_plant(data: CountyInput, entry: dict, i: int) -> None:
    """A plant built and operating in a town (one town, one plant)."""
    town = _find(data.towns, entry.get("town"), i, "new_plant")
    town.operating_plants += 1


def _district(data: CountyInput, entry: dict, i: int) -> None:
    """A district's yearly figures (net water to fields, withdrawal, metered, area)."""
    district = _find(data.districts, entry.get("code"), i, "irrigation_district")
    if district.record is None:
        raise ScenarioError(
            _("This district has no record for the year."), {f"overrides[{i}].code": district.code}
        )
    for key in (
        "net_field_m3",
        "gross_withdrawal_m3",
        "metered_withdrawal_m3",
        "irrigated_area_mu",
    ):
        if key in entry:
            district.record[key] = _number(entry, key, i)
    if district.record["net_field_m3"] > district.record["gross_withdrawal_m3"]:
        raise ScenarioError(
            _("Net water to fields cannot exceed the gross withdrawal."), {f"overrides[{i}]": entry}
        )


def _user(data: CountyInput, entry: dict, i: int) -> None:
    """A user's annual plan (null removes it)."""
    user = _find(data.users, entry.get("code"), i, "water_user")
    if "annual_plan_m3" not in entry:
        raise ScenarioError(_("annual_plan_m3 is required."), {f"overrides[{i}]": entry})
    user.annual_plan_m3 = (
        None if entry["annual_plan_m3"] is None else _number(entry, "annual_plan_m3", i)
    )


OVERRIDES = {
    "supply_zone": _supply_zone,
    "new_plant": _new_plant,
    "irrigation_district": _district,
    "water_user": _user,
}


@dataclass
class ScenarioOutcome:
    baseline: dict
    scenario: dict
    changed: list[dict]


def scenario_run(*, area: AdminArea, year: int, overrides: list[dict]) -> ScenarioOutcome:
    """Evaluate the county with the overrides applied, compared with the data as it is.

    Nothing is written: the inputs are read once, copied, changed in memory and evaluated twice.
    """
    if not isinstance(overrides, list) or len(overrides) > MAX_OVERRIDES:
        raise ScenarioError(
            _("overrides must be a list of at most %(n)d entries.") % {"n": MAX_OVERRIDES},
            {"overrides": type(overrides).__name__},
        )
    ind, rows_by_code = indicators_data()
    names = names_of(rows_by_code)
    base_inputs = read_inputs(area, year, ind)
    changed_inputs = copy.deepcopy(base_inputs)
    for i, entry in enumerate(overrides):
        if not isinstance(entry, dict) or entry.get("type") not in OVERRIDES:
            raise ScenarioError(
                _("Each override needs a type among: %(types)s.") % {"types": ", ".join(OVERRIDES)},
                {f"overrides[{i}]": entry},
            )
        OVERRIDES[entry["type"]](changed_inputs, entry, i)
    before = rows_as_results(evaluate_inputs(base_inputs, ind, names), area, year, rows_by_code)
    after = rows_as_results(evaluate_inputs(changed_inputs, ind, names), area, year, rows_by_code)
    old = {(r.indicator.code, r.layer, r.feature_id): r for r in before}
    changed = [
        {
            "indicator": r.indicator.code,
            "layer": r.layer,
            "feature_code": r.feature_code,
            "before": {"value": old[key].value, "status": old[key].status},
            "after": {"value": r.value, "status": r.status},
            "explanation": r.explanation,
        }
        for r in after
        if (key := (r.indicator.code, r.layer, r.feature_id)) in old
        and (old[key].status != r.status or old[key].value != r.value)
    ]
    county = [r for r in before if r.layer == "county"]
    county_after = [r for r in after if r.layer == "county"]
    return ScenarioOutcome(
        baseline=scorecard_from_results(area, year, county, rows_by_code),
        scenario=scorecard_from_results(area, year, county_after, rows_by_code),
        changed=changed,
    )

"""What-if scenarios: override inputs, re-run every rule and the scorecard, store nothing."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from compliance.evaluation import (
    evaluate_inputs,
    indicators_data,
    names_of,
    read_inputs,
    rows_as_results,
)
from compliance.evaluators import supply_rows
from compliance.inputs import CountyInput
from compliance.register_figures import REGISTER_KEYS
from compliance.scorecard import FIGURES, PASS_LINE, abstraction_total
from compliance.selectors import scorecard_from_results
from layers.models import AdminArea

MAX_OVERRIDES = 200
# An override's numbers are finite and within sane bounds: at most OVERRIDE_MAX in absolute value
# (m³, yuan, persons, km, mu — a county's yearly figures stay below 10^10), and 0 or at least
# OVERRIDE_MIN_NONZERO, so that no ratio of them overflows to infinity. Percentages, shares and
# headroom have their own ranges.
OVERRIDE_MAX = 1e12
OVERRIDE_MIN_NONZERO = 1e-6
RANGES = {"r_bl": (0.0, 100.0), "share": (0.0, 1.0), "headroom": (0.0, 10.0)}


class ScenarioError(ValueError):
    """An override that cannot be applied; `details` names the offending entry."""

    def __init__(self, message: str, details: dict):
        super().__init__(message)
        self.details = details


def _number(entry: dict, key: str, index: int, minimum: float | None = 0.0) -> float:
    """entry[key] as a finite float within its range (RANGES, else [minimum, OVERRIDE_MAX]);
    a ScenarioError naming overrides[index].key otherwise."""
    value, name = entry.get(key), f"overrides[{index}].{key}"
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or abs(value) > OVERRIDE_MAX  # an integer too large for a float is caught here
    ):
        raise ScenarioError(
            _("%(field)s: a finite number of at most %(max)g in absolute value is required.")
            % {"field": name, "max": OVERRIDE_MAX},
            {name: value},
        )
    low, high = RANGES.get(key, (-OVERRIDE_MAX if minimum is None else minimum, OVERRIDE_MAX))
    if not low <= value <= high:
        raise ScenarioError(
            _("%(field)s must lie between %(low)g and %(high)g.")
            % {"field": name, "low": low, "high": high},
            {name: value},
        )
    if value != 0 and abs(value) < OVERRIDE_MIN_NONZERO:
        raise ScenarioError(
            _("%(field)s: enter 0 or a number of at least %(min)g.")
            % {"field": name, "min": OVERRIDE_MIN_NONZERO},
            {name: value},
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


def _share_arg(entry: dict, i: int) -> float:
    share = _number(entry, "share", i)
    if share > 1:
        raise ScenarioError(_("A share lies between 0 and 1."), {f"overrides[{i}].share": share})
    return share


def _sectors_arg(entry: dict, key: str, i: int) -> list[str]:
    sectors = entry.get(key)
    if isinstance(sectors, str):
        sectors = [sectors]
    if (
        not isinstance(sectors, list)
        or not sectors
        or not all(isinstance(s, str) for s in sectors)
        or not set(sectors) <= set(SECTORS)
    ):
        raise ScenarioError(
            _("Sectors among: %(s)s.") % {"s": ", ".join(SECTORS)},
            {f"overrides[{i}].{key}": sectors},
        )
    return sectors


def _carriers(data: CountyInput, entry: dict, i: int) -> None:
    """Recognise the largest users of a sector as carriers this year until `share` is reached."""
    sector = _sectors_arg(entry, "sector", i)[0]
    if sector not in CARRIER_OF:
        raise ScenarioError(_("No carrier for this sector."), {f"overrides[{i}].sector": sector})
    share, kind = _share_arg(entry, i), CARRIER_OF[sector]
    members = [u for u in data.users if u.sector == sector]
    counted = [u for u in members if u.carrier == kind and (u.carrier_year or 0) <= data.year]
    rest = sorted(
        (u for u in members if u not in counted), key=lambda u: (-sum(u.monthly_m3), u.code)
    )
    need = math.ceil(share * len(members) - 1e-9) - len(counted)
    for u in rest[: max(0, need)]:
        u.carrier, u.carrier_year = kind, data.year


def _metering(data: CountyInput, entry: dict, i: int) -> None:
    """Meters on the users of the sectors: at least `share` of each one's use read from meters."""
    sectors, share = set(_sectors_arg(entry, "sectors", i)), _share_arg(entry, i)
    for u in data.users:
        if u.sector in sectors:
            u.metered_m3 = max(u.metered_m3, share * sum(u.monthly_m3))


def _plans(data: CountyInput, entry: dict, i: int) -> None:
    """An annual plan (use × (1 + headroom)) for every user that must have one and has none:
    over the monthly planned-use line or self-supplied, outside the exempt sectors."""
    headroom = _number(entry, "headroom", i) if "headroom" in entry else 0.1
    line, exempt = entry["_line"], set(entry["_exempt"])
    for u in data.users:
        if u.annual_plan_m3 is not None or u.sector in exempt:
            continue
        if u.source != "public_network" or max(u.monthly_m3, default=0) > line:
            u.annual_plan_m3 = round(sum(u.monthly_m3) * (1 + headroom), -2)


def _leakage_target(data: CountyInput, entry: dict, i: int) -> None:
    """Cut every zone's real losses until its corrected loss rate R_BL is at most `r_bl` (%)."""
    target = _number(entry, "r_bl", i)
    current = {r.feature_id: r.verdict.value for r in entry["_supply_rows"](data)}
    for z in data.supply_zones:
        r_bl = current.get(z.id)
        if z.balance is None or r_bl is None or r_bl <= target:
            continue
        b = z.balance
        cut = (r_bl - target) / 100 * b["system_input_m3"]
        b["billed_authorized_m3"] = min(
            b["billed_authorized_m3"] + cut, b["system_input_m3"] - b["unbilled_authorized_m3"]
        )


def _county_stats(data: CountyInput, entry: dict, i: int) -> None:
    """The county's statistics of the year: abstractions by source, GDP, industry, cap."""
    stats = dict(data.stats or {})
    for key, value in entry.items():
        if key == "type" or key.startswith("_"):
            continue
        if key not in STATS_FIELDS:
            raise ScenarioError(
                _("Unknown statistic %(k)s.") % {"k": key}, {f"overrides[{i}].{key}": value}
            )
        stats[key] = _number(entry, key, i)
    data.stats = stats
    data.stats_history[data.year] = stats


def _nonconventional_share(data: CountyInput, entry: dict, i: int) -> None:
    """Raise non-conventional water (reclaimed, rainwater) to `share` of total use; it replaces
    as much self-supplied surface water, so the total stays the same."""
    share = _share_arg(entry, i)
    stats = dict(data.stats or {})
    total, _parts = abstraction_total(stats)
    if total is None:
        raise ScenarioError(
            _("The year has no abstractions by source to change."), {f"overrides[{i}]": entry}
        )
    now = stats.get("abstraction_nonconventional_m3") or 0.0
    extra = max(0.0, share * total - now)
    extra = min(extra, stats.get("abstraction_surface_m3") or 0.0)
    stats["abstraction_nonconventional_m3"] = now + extra
    stats["abstraction_surface_m3"] = (stats.get("abstraction_surface_m3") or 0.0) - extra
    data.stats = stats
    data.stats_history[data.year] = stats


def _scorecard_line(data: CountyInput, entry: dict, i: int) -> None:
    """Assume a management line met (its evidence in place) or not, whatever its register says
    (or a line without a data path)."""
    code, status = entry.get("code"), entry.get("status", "compliant")
    if not isinstance(code, str) or code not in entry["_assumable"]:
        raise ScenarioError(
            _("Only management lines can be assumed: %(codes)s.")
            % {"codes": ", ".join(sorted(entry["_assumable"]))},
            {f"overrides[{i}].code": code},
        )
    if status not in ("compliant", "non_compliant"):
        raise ScenarioError(
            _("status: compliant or non_compliant."), {f"overrides[{i}].status": status}
        )
    data.assumed[code] = status


OVERRIDES = {
    "supply_zone": _supply_zone,
    "new_plant": _new_plant,
    "irrigation_district": _district,
    "water_user": _user,
    "carriers": _carriers,
    "metering": _metering,
    "plan_obliged_users": _plans,
    "leakage_target": _leakage_target,
    "county_stats": _county_stats,
    "nonconventional_share": _nonconventional_share,
    "scorecard_line": _scorecard_line,
}
SECTORS = ("agriculture", "industry", "services", "public_institution", "residential", "ecological")
CARRIER_OF = {
    "industry": "enterprise",
    "public_institution": "institution",
    "residential": "community",
}
STATS_FIELDS = (
    "abstraction_surface_m3",
    "abstraction_groundwater_m3",
    "abstraction_public_supply_m3",
    "abstraction_nonconventional_m3",
    "industrial_use_m3",
    "gdp_10k_yuan",
    "industrial_value_added_10k_yuan",
    "water_use_cap_m3",
    "population",
)


def _context(ind) -> dict:
    """What some overrides need from the rules' data (kept out of the user's entry)."""
    plan = ind["user.planned_use"].params
    return {
        "_line": float(plan["monthly_threshold_m3"]),
        "_exempt": plan.get("sectors_exempt", []),
        "_supply_rows": lambda d: supply_rows(d, ind),
        "_assumable": {
            c
            for c in ind
            if c.startswith("county.")
            and (c not in FIGURES or c in REGISTER_KEYS)
            and c != PASS_LINE
        },
    }


def _without_context(value):
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if not str(k).startswith("_")}
    return value


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
    context = _context(ind)
    for i, entry in enumerate(overrides):
        kind = entry.get("type") if isinstance(entry, dict) else None
        if not isinstance(kind, str) or kind not in OVERRIDES:  # a list or dict is no type
            raise ScenarioError(
                _("Each override needs a type among: %(types)s.") % {"types": ", ".join(OVERRIDES)},
                {f"overrides[{i}]": entry},
            )
        try:
            OVERRIDES[kind](changed_inputs, {**entry, **context}, i)
        except ScenarioError as exc:  # details show the user's entry, not the rules' context
            exc.details = {k: _without_context(v) for k, v in exc.details.items()}
            raise
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

"""The action list: fixes ranked by the scorecard points they gain and the failures they clear.

Each candidate action is an override (as in a what-if scenario) evaluated against the county's
inputs, so its effect is computed by the same rules, never estimated separately.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.utils.translation import gettext as _

from compliance.evaluation import evaluate_inputs, indicators_data, names_of, read_inputs
from compliance.evaluators import Row
from compliance.inputs import CountyInput
from compliance.rules import COMPLIANT, NON_COMPLIANT
from compliance.scenarios import OVERRIDES
from compliance.scorecard import score_rows
from layers.models import AdminArea
from network.selectors import pipes_worth_replacing

# Relative failure risk of pipe materials for ranking replacements (grey cast iron and
# concrete mains fail most in Chinese network studies; PE and ductile iron least).
MATERIAL_RISK = {
    "cast_iron": 1.0,
    "concrete": 0.9,
    "steel": 0.6,
    "PVC": 0.5,
    "other": 0.5,
    "ductile_iron": 0.3,
    "PE": 0.2,
}
SEGMENTS_PER_ZONE = 10


@dataclass
class Candidate:
    kind: str
    layer: str
    code: str
    name: str
    title: str
    override: dict
    details: dict


def _failing(rows: list[Row], code: str) -> list[Row]:
    return [r for r in rows if r.indicator == code and r.verdict.status == NON_COMPLIANT]


def _candidates(data: CountyInput, rows: list[Row], ind) -> list[Candidate]:
    out = []
    zones = {z.id: z for z in data.supply_zones}
    for r in _failing(rows, "supply.leakage"):
        gap = r.verdict.value - ind["supply.leakage"].threshold
        zone = zones[r.feature_id]
        q_s = zone.balance["system_input_m3"]
        out.append(
            Candidate(
                "reduce_leakage",
                "supply-zones",
                zone.code,
                zone.name,
                _("Cut losses in supply zone %(code)s by %(gap).2f points (about %(m3).0f m³/year)")
                % {"code": zone.code, "gap": gap, "m3": gap / 100 * q_s},
                {"type": "supply_zone", "code": zone.code, "r_wl_delta": -(gap + 0.01)},
                {
                    "r_bl": r.verdict.value,
                    "gap_points": gap,
                    "loss_to_cut_m3": gap / 100 * q_s,
                    "segments": _segments_to_replace(zone.id),
                },
            )
        )
    for t in sorted(
        (t for t in data.towns if t.operating_plants == 0), key=lambda t: -(t.population or 0)
    ):
        out.append(
            Candidate(
                "build_plant",
                "towns",
                t.code,
                t.name,
                _("Build a sewage plant in %(name)s (population %(pop)s)")
                % {"name": t.name, "pop": t.population or "?"},
                {"type": "new_plant", "town": t.code},
                {"population": t.population},
            )
        )
    coef = ind["irrigation.coefficient"].threshold
    for d in data.districts:
        rec = d.record
        if not rec or not rec["gross_withdrawal_m3"]:
            continue
        if rec["net_field_m3"] / rec["gross_withdrawal_m3"] < coef:
            target_gross = rec["net_field_m3"] / coef
            saving = rec["gross_withdrawal_m3"] - target_gross
            out.append(
                Candidate(
                    "improve_irrigation",
                    "irrigation-districts",
                    d.code,
                    d.name,
                    _(
                        "Line canals in %(name)s to reach the coefficient %(c)s: "
                        "saves %(m3).0f m³/year"
                    )
                    % {"name": d.name, "c": coef, "m3": saving},
                    {
                        "type": "irrigation_district",
                        "code": d.code,
                        "gross_withdrawal_m3": target_gross,
                    },
                    {"saving_m3": saving},
                )
            )
    users = {u.id: u for u in data.users}
    for r in _failing(rows, "user.planned_use"):
        u = users[r.feature_id]
        plan = round(sum(u.monthly_m3) * 1.1, -2)
        out.append(
            Candidate(
                "issue_plan",
                "water-users",
                u.code,
                u.name,
                _("Issue an annual water-use plan to %(name)s") % {"name": u.name},
                {"type": "water_user", "code": u.code, "annual_plan_m3": plan},
                {"peak_monthly_m3": r.verdict.value, "proposed_plan_m3": plan},
            )
        )
    return out


def _segments_to_replace(zone_id: int) -> list[dict]:
    """The zone's in-service pipes most worth replacing: leaks per km, age, material."""
    return pipes_worth_replacing(
        zone_id=zone_id, material_risk=MATERIAL_RISK, limit=SEGMENTS_PER_ZONE
    )


def _score(rows: list[Row], ind) -> float:
    return score_rows(rows, ind)["total"]


def action_list(*, area: AdminArea, year: int) -> list[dict]:
    """Ranked actions: most scorecard points gained first, then most failures cleared."""
    ind, rows_by_code = indicators_data()
    names = names_of(rows_by_code)
    data = read_inputs(area, year, ind)
    base = evaluate_inputs(data, ind, names)
    base_total = _score(base, ind)
    base_failures = {(r.indicator, r.feature_id) for r in base if r.verdict.status == NON_COMPLIANT}
    actions = []
    for c in _candidates(data, base, ind):
        changed = copy.deepcopy(data)
        OVERRIDES[c.override["type"]](changed, c.override, 0)
        after = evaluate_inputs(changed, ind, names)
        fixed = sorted(
            {
                f"{r.indicator} {r.feature_code}"
                for r in after
                if (r.indicator, r.feature_id) in base_failures and r.verdict.status == COMPLIANT
            }
        )
        actions.append(
            {
                "kind": c.kind,
                "layer": c.layer,
                "code": c.code,
                "name": c.name,
                "title": c.title,
                "points_gained": round(_score(after, ind) - base_total, 2),
                "failures_fixed": fixed,
                "override": c.override,
                "details": c.details,
            }
        )
    actions.sort(key=lambda a: (-a["points_gained"], -len(a["failures_fixed"]), a["code"]))
    for rank, action in enumerate(actions, start=1):
        action["rank"] = rank
    return actions

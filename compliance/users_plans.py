"""Users under planned-use management and key monitoring: plan against use per month, volume
over plan and its surcharge tiers (indicators user.planned_use, user.over_plan,
user.key_monitored, their thresholds and tiers read from the Indicator rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from compliance.models import Indicator
from compliance.rules import Verdict
from compliance.rules import users as rules
from consumption.models import Consumption, WaterUser
from consumption.params import QueryError, parse_choice
from consumption.periods import year_period
from consumption.selectors import users_to_plan
from layers.models import AdminArea
from registers.selectors import quota_checks_by_user

PLAN_CODE, OVER_CODE, KEY_CODE = "user.planned_use", "user.over_plan", "user.key_monitored"
# no_plan: must have a plan and has none; over_plan / within_plan: use against the plan;
# not_required: a key monitored user that need not plan (e.g. residential).
STATUSES = ("no_plan", "over_plan", "within_plan", "not_required")
YEARS = (2000, 2100)

# Users whose year could put them on a list: annual use ≥ the key-user line or a month over the
# planned-use line; the rules then decide (sector exemptions, plans). Twelve months per user,
# 0 where nothing was recorded. Values are parameters.


@dataclass(frozen=True)
class UsersPlansQuery:
    year: int
    town: str | None = None
    sector: str | None = None
    status: str | None = None


def _latest_year() -> int:
    latest = Consumption.objects.order_by("-month").values_list("month", flat=True).first()
    return latest.year if latest else dt.date.today().year


def users_plans_parse(params: Mapping) -> UsersPlansQuery:
    """year (default: the latest with consumption), town (code), sector, status; QueryError
    naming each bad parameter."""
    errors: dict[str, list[str]] = {}
    raw_year = str(params.get("year") or "").strip()
    year = None
    if raw_year:
        if raw_year.isascii() and raw_year.isdigit() and YEARS[0] <= int(raw_year) <= YEARS[1]:
            year = int(raw_year)
        else:
            errors["year"] = [
                _("The year must be four digits between %(min)d and %(max)d.")
                % {"min": YEARS[0], "max": YEARS[1]}
            ]
    sector = parse_choice(params.get("sector"), "sector", tuple(WaterUser.Sector.values), errors)
    status = parse_choice(params.get("status"), "status", STATUSES, errors)
    town = str(params.get("town") or "").strip()[:12] or None
    # A NUL byte can match no code and PostgreSQL refuses it in a query: unknown, not a 500.
    if town and (
        "\x00" in town
        or not AdminArea.objects.filter(code=town, level=AdminArea.Level.TOWN).exists()
    ):
        errors["town"] = [_("Unknown town code: %(code)s.") % {"code": town}]
    if errors:
        raise QueryError(errors)
    return UsersPlansQuery(year or _latest_year(), town, sector, status)


def _text(verdict: Verdict | None) -> str | None:
    if verdict is None:
        return None
    english = (get_language() or "").startswith("en")
    return verdict.explanation_en if english else verdict.explanation_zh


def _indicators() -> dict[str, Indicator]:
    return {i.code: i for i in Indicator.objects.filter(code__in=[PLAN_CODE, OVER_CODE, KEY_CODE])}


def _ref(indicator: Indicator) -> str:
    return f"{indicator.source} {indicator.clause}".strip()


def _over_quota(annual: float, check: dict | None, tiers) -> dict:
    """The user's quota of the year (register quota-checks) and its use over quota × output,
    with the over-quota surcharge split into the same bands as the over-plan one (the bands
    measured against the quota volume). Empty fields when the user was not checked."""
    if check is None:
        return {"quota": None, "over_quota_m3": None, "over_quota_surcharge_m3": None}
    allowed = check["quota__value"] * check["output_quantity"]
    over = max(0.0, annual - allowed)
    bands = rules.surcharge_tiers(over, allowed, tiers) if allowed > 0 else []
    return {
        "quota": {
            "code": check["quota__code"],
            "item": check["quota__item"],
            "unit": check["quota__unit"],
            "value": check["quota__value"],
            "output": check["output_quantity"],
            "allowed_m3": round(allowed, 3),
            "verified": check["quota__verified"],
        },
        "over_quota_m3": round(over, 3),
        "over_quota_surcharge_m3": round(sum(b["volume_m3"] * b["multiple"] for b in bands), 3)
        if allowed > 0
        else None,
    }


def _user_row(
    r: dict, year: int, ind: dict[str, Indicator], checks: Mapping[str, dict] | None = None
) -> dict | None:
    """One user's plan against use, or None when it is neither key monitored nor must plan."""
    plan_i, over_i, key_i = ind[PLAN_CODE], ind[OVER_CODE], ind[KEY_CODE]
    monthly = [float(v) for v in r["monthly_m3"]]
    annual = sum(monthly)
    plan = r["annual_plan_m3"]
    planned = rules.planned_use(
        monthly, r["sector"], plan is not None, plan_i.params, ref=_ref(plan_i)
    )
    key_line = float(key_i.threshold or 0)
    key = rules.key_monitored(annual, key_line, ref=_ref(key_i))
    must_plan = bool(planned.details.get("must_plan"))
    is_key = bool(key.details.get("key_monitored"))
    if not (must_plan or is_key):
        return None
    over = (
        rules.over_plan(annual, plan, over_i.params, source=r["source"], ref=_ref(over_i))
        if plan
        else None
    )
    over_m3 = over.value if over and over.value is not None else 0.0
    if plan is None:
        status = "no_plan" if must_plan else "not_required"
    else:
        status = "over_plan" if over_m3 > 0 else "within_plan"
    monthly_plan = None if plan is None else plan / 12
    return {
        "code": r["code"],
        "name": r["name"],
        "sector": r["sector"],
        "source": r["source"],
        "town_code": r["town_code"],
        "town_name": r["town_name"],
        "supply_zone_code": r["supply_zone_code"],
        "year": year,
        "annual_use_m3": round(annual, 3),
        "annual_plan_m3": plan,
        "peak_month_m3": round(max(monthly), 3),
        "key_monitored": is_key,
        "must_plan": must_plan,
        "has_plan": plan is not None,
        "status": status,
        "over_plan_m3": round(over_m3, 3),
        "over_plan_share": over.details.get("over_share") if over else None,
        "surcharge_tiers": over.details.get("tiers", []) if over else [],
        "surcharge_base_price_m3": _surcharge(over, "water_price"),
        "surcharge_resource_tax_m3": _surcharge(over, "resource_tax"),
        **_over_quota(annual, (checks or {}).get(r["code"]), over_i.params.get("tiers", [])),
        "months": [
            {
                "month": f"{year}-{k:02d}",
                "use_m3": round(v, 3),
                "plan_m3": None if monthly_plan is None else round(monthly_plan, 3),
                "difference_m3": None if monthly_plan is None else round(v - monthly_plan, 3),
            }
            for k, v in enumerate(monthly, start=1)
        ],
        "explanations": {
            "planned_use": _text(planned),
            "over_plan": _text(over),
            "key_monitored": _text(key),
        },
    }


def _surcharge(over, basis: str) -> float | None:
    """The surcharge in m³ of `basis` (water price or resource tax), None when on the other."""
    if over is None or over.details.get("surcharge_basis") != basis:
        return None
    return over.details.get("surcharge_multiples")


def users_plans(q: UsersPlansQuery) -> dict:
    """Key monitored users (annual use ≥ the user.key_monitored threshold) and users that must
    have a plan (user.planned_use: not exempt, a month over its monthly line), with plan and
    use per month (plan = annual plan ÷ 12), volume over the annual plan and the surcharge
    tiers (user.over_plan tiers; surcharge in m³ charged at the base price). Volumes in m³.

    Users checked against a quota (register quota-checks) also carry their quota and the use
    over it with its surcharge, beside the over-plan one.

    Three queries whatever the number of users: the indicators, the users with their months,
    the year's quota checks.
    """
    ind = _indicators()
    month_line = float(ind[PLAN_CODE].params["monthly_threshold_m3"])
    params = {
        **year_period(q.year),
        "key_line": float(ind[KEY_CODE].threshold or 0),
        "month_line": month_line,
        "town": q.town,
        "sector": q.sector,
    }
    raw = users_to_plan(**params)
    checks = quota_checks_by_user(q.year)
    rows = [u for u in (_user_row(r, q.year, ind, checks) for r in raw) if u]
    if q.status:
        rows = [u for u in rows if u["status"] == q.status]
    return {
        "year": q.year,
        "thresholds": {
            "key_monitored_m3_per_year": params["key_line"],
            "planned_use_m3_per_month": month_line,
            "planned_use_sectors_exempt": ind[PLAN_CODE].params.get("sectors_exempt", []),
            "over_plan_tiers": ind[OVER_CODE].params.get("tiers", []),
        },
        "summary": {
            "users": len(rows),
            "key_monitored": sum(u["key_monitored"] for u in rows),
            "must_plan": sum(u["must_plan"] for u in rows),
            "no_plan": sum(u["status"] == "no_plan" for u in rows),
            "over_plan": sum(u["status"] == "over_plan" for u in rows),
            "over_plan_m3": round(sum(u["over_plan_m3"] for u in rows), 3),
            "surcharge_base_price_m3": round(
                sum(u["surcharge_base_price_m3"] or 0 for u in rows), 3
            ),
            "surcharge_resource_tax_m3": round(
                sum(u["surcharge_resource_tax_m3"] or 0 for u in rows), 3
            ),
            "over_quota": sum(1 for u in rows if u["over_quota_m3"]),
            "over_quota_m3": round(sum(u["over_quota_m3"] or 0 for u in rows), 3),
        },
        "results": rows,
    }

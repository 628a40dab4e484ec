"""What-if pages: a planner changes the county's inputs and sees the scorecard move (nothing is
stored), and the ranked action list. Both call the same services as the API."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from compliance.actions import action_list
from compliance.models import Indicator
from compliance.register_figures import REGISTER_KEYS
from compliance.scenario_presets import PRESETS
from compliance.scenarios import ScenarioError, scenario_run
from gisapp.reports.selectors import quantity_text, status_text, verdict_label
from layers.selectors import county_find

YEARS = (2000, 2100)
DEFAULT_YEAR = 2025
# Form field → (override builder). Shares are entered in percent.
SHARE_FIELDS = {
    "carriers_industry": ("carriers", {"sector": "industry"}),
    "carriers_institution": ("carriers", {"sector": "public_institution"}),
    "carriers_community": ("carriers", {"sector": "residential"}),
    "metering_industry": ("metering", {"sectors": ["industry"]}),
    "metering_services": ("metering", {"sectors": ["services", "public_institution"]}),
    "nonconventional": ("nonconventional_share", {}),
}


class FormError(ValueError):
    """A field of the form is not a usable number."""


def _number(post, name: str, low: float, high: float) -> float | None:
    raw = (post.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise FormError(_("%(field)s: not a number.") % {"field": name}) from None
    if not low <= value <= high:
        raise FormError(
            _("%(field)s: between %(low)g and %(high)g.")
            % {"field": name, "low": low, "high": high}
        )
    return value


def overrides_from(post) -> list[dict]:
    """The scenario's overrides from the form (the preset first, then each filled field)."""
    out: list[dict] = []
    if post.get("preset") in PRESETS:
        out += PRESETS[post["preset"]]["overrides"]
    r_bl = _number(post, "leakage_target", 0, 100)
    if r_bl is not None:
        out.append({"type": "leakage_target", "r_bl": r_bl})
    if post.get("plans"):
        out.append({"type": "plan_obliged_users", "headroom": 0.1})
    for name, (kind, extra) in SHARE_FIELDS.items():
        pct = _number(post, name, 0, 100)
        if pct is not None:
            out.append({"type": kind, **extra, "share": pct / 100})
    for code in post.getlist("assume"):
        if code in REGISTER_KEYS:
            out.append({"type": "scorecard_line", "code": code, "status": "compliant"})
    return out


def _year(raw: str | None) -> int:
    try:
        year = int(raw or DEFAULT_YEAR)
    except ValueError:
        year = DEFAULT_YEAR
    return min(max(year, YEARS[0]), YEARS[1])


def _rows(baseline: dict, scenario: dict) -> list[dict]:
    after = {line["code"]: line for line in scenario.get("lines", [])}
    rows = []
    for line in baseline.get("lines", []):
        if line["assessment"] != "standard_2017":
            continue
        new = after.get(line["code"], line)
        rows.append(
            {
                "name": line["name"],
                "before_value": quantity_text(line["value"], line["unit"]),
                "before_status": status_text(line["status"]),
                "before_points": line["points"],
                "after_value": quantity_text(new["value"], new["unit"]),
                "after_status": status_text(new["status"]),
                "after_points": new["points"],
                "status": new["status"],
                "changed": (line["value"], line["status"]) != (new["value"], new["status"]),
            }
        )
    return rows


def _card(card: dict) -> dict:
    return {**card, "verdict_text": verdict_label(card.get("verdict"))}


class ScenarioPageView(PermissionRequiredMixin, View):
    """GET /scenarios/: the form; POST: run it and show baseline and scenario side by side."""

    permission_required = "compliance.run_scenario"
    raise_exception = True
    template_name = "gisapp/scenario.html"

    def context(self, post=None, **extra) -> dict:
        zh = (get_language() or "zh-hans").startswith("zh")
        names = {
            i.code: (i.name_zh if zh else i.name_en)
            for i in Indicator.objects.filter(code__in=list(REGISTER_KEYS))
        }
        management = [
            {
                "code": code,
                "name": names.get(code, code),
                "checked": post is not None and code in post.getlist("assume"),
            }
            for code in REGISTER_KEYS
        ]
        return {
            "presets": [(code, str(p["title"])) for code, p in PRESETS.items()],
            "form": post or {},
            "management": management,
            "year": _year((post or {}).get("year")),
            **extra,
        }

    def get(self, request):
        return render(request, self.template_name, self.context())

    def post(self, request):
        year = _year(request.POST.get("year"))
        try:
            overrides = overrides_from(request.POST)
            outcome = scenario_run(area=county_find(None), year=year, overrides=overrides)
        except (FormError, ScenarioError) as exc:
            context = self.context(request.POST, error=str(exc))
            return render(request, self.template_name, context, status=400)
        context = self.context(
            request.POST,
            baseline=_card(outcome.baseline),
            scenario=_card(outcome.scenario),
            rows=_rows(outcome.baseline, outcome.scenario),
            overrides=len(overrides),
        )
        return render(request, self.template_name, context)


class ActionListPageView(PermissionRequiredMixin, View):
    """GET /scenarios/actions/?year=: ranked actions, points gained and failures cleared."""

    permission_required = "compliance.view_result"
    raise_exception = True

    def get(self, request):
        year = _year(request.GET.get("year"))
        actions = action_list(area=county_find(None), year=year)
        return render(request, "gisapp/actions.html", {"year": year, "actions": actions})

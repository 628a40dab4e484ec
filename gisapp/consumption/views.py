"""Consumption pages: the planners' query page (table, chart, map, drawn area, files) and the
list of key monitored and planned users."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from compliance.users_plans import STATUSES, users_plans, users_plans_parse
from consumption.columns import COLUMNS
from consumption.models import Consumption, WaterUser
from consumption.params import GROUP_KEYS, QueryError
from consumption.sql import ZONE_KINDS
from layers.models import AdminArea, IrrigationDistrict
from layers.place_names import place_names
from layers.selectors import county_find
from network.models import SupplyZone

# Figures the map can colour the zones by (the first is the default).
MEASURES = (
    "volume_m3",
    "per_capita_l_per_day",
    "per_10k_gdp_m3",
    "change_percent",
    "plan_used_percent",
    "cap_used_percent",
)
TOWN_ONLY = {"per_capita_l_per_day", "per_10k_gdp_m3", "cap_used_percent"}
# Decimals shown on the page (the API and the files keep more): whole m³ and persons.
UI_DIGITS = {
    "plan_used_percent": 1,
    "cap_used_percent": 1,
    "change_percent": 1,
    "per_capita_l_per_day": 1,
    "per_10k_gdp_m3": 2,
}
ZONE_MODELS = {
    "town": AdminArea,
    "supply-zone": SupplyZone,
    "irrigation-district": IrrigationDistrict,
}


class ConsumptionViewerMixin(PermissionRequiredMixin):
    """Whoever may read consumption records (every role); anyone else gets 403."""

    permission_required = "consumption.view_consumption"
    raise_exception = True


def zone_types() -> list[dict]:
    """Zone types with their label, map layer and zones (code, name) for the form."""
    labels = {
        "town": _("Towns"),
        "supply-zone": _("Supply zones"),
        "irrigation-district": _("Irrigation districts"),
    }
    out = []
    for key, kind in ZONE_KINDS.items():
        qs = ZONE_MODELS[key].objects.order_by("code")
        if key == "town":
            qs = qs.filter(level=AdminArea.Level.TOWN)
        out.append(
            {
                "value": key,
                "label": str(labels[key]),
                "layer": kind.layer,
                "stats": kind.stats,
                "zones": [{"code": c, "name": n} for c, n in qs.values_list("code", "name")],
            }
        )
    return out


def page_labels() -> dict[str, str]:
    """Labels the page's script shows, translated on the server."""
    return {
        "no_results": _("No consumption for this query."),
        "zoom_level": _("Zoom level"),
        "monthly_totals": _("Monthly totals"),
        "this_period": _("This period"),
        "same_period_last_year": _("Same period last year"),
        "no_data": _("no data"),
        "legend_classes": _("classes by quantile"),
        "area_total": _("Inside the drawn area"),
        "area_users": _("users inside"),
        "area_size": _("surface area"),
        "draw_hint": _("Draw a polygon on the map to sum the consumption inside it."),
        "error": _("The query failed:"),
        "loading": _("Loading…"),
        "month": _("month"),
    }


class ConsumptionQueryView(ConsumptionViewerMixin, TemplateView):
    """GET /consumption/: the query form, results table, trend chart, zone map and drawn area.

    The whole query lives in the URL's query string; the page's script restores it."""

    template_name = "gisapp/consumption.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        county = county_find()
        latest = Consumption.objects.order_by("-month").values_list("month", flat=True).first()
        year = latest.year if latest else None
        columns = {
            c.key: {
                "label": c.ui_header(),
                "digits": None if c.digits is None else UI_DIGITS.get(c.key, 0),
            }
            for c in COLUMNS
        }
        measures = [
            {
                "key": key,
                "label": str(next(c.label for c in COLUMNS if c.key == key)),
                "unit": str(next(c.unit for c in COLUMNS if c.key == key)),
                "town_only": key in TOWN_ONLY,
            }
            for key in MEASURES
        ]
        types = zone_types()
        context.update(
            zone_types=types,
            sectors=WaterUser.Sector.choices,
            sources=WaterUser.Source.choices,
            group_keys=[
                (k, label)
                for k, label in zip(GROUP_KEYS, (_("zone"), _("month"), _("sector")), strict=True)
            ],
            measures=measures,
            default_start=f"{year}-01" if year else "",
            default_end=f"{year}-12" if year else "",
            page_config={
                "lang": get_language(),
                "county_bbox": list(county.geom.extent) if county else [112.1, 24.6, 112.8, 25.2],
                "zone_types": types,
                "columns": columns,
                "measures": measures,
                "sectors": {k: str(v) for k, v in WaterUser.Sector.choices},
                "labels": page_labels(),
                "placeNames": place_names(),
                "urls": {
                    "api": "/api/v1/consumption/",
                    "area": "/api/v1/consumption/area/",
                    "features": "/api/v1/layers/",
                },
            },
        )
        return context


class ConsumptionUsersView(ConsumptionViewerMixin, View):
    """GET /consumption/users/?town=&sector=&status=&year=: key monitored users and users that
    must plan, with plan against use per month, volume over plan and surcharge tiers."""

    template_name = "gisapp/consumption_users.html"

    def get(self, request):
        status_labels = {
            "no_plan": _("must plan, no plan"),
            "over_plan": _("over plan"),
            "within_plan": _("within plan"),
            "not_required": _("no plan required"),
        }
        context = {
            "towns": AdminArea.objects.filter(level=AdminArea.Level.TOWN).order_by("code"),
            "sectors": WaterUser.Sector.choices,
            "statuses": [(s, status_labels[s]) for s in STATUSES],
            "status_labels": status_labels,
            "sector_labels": dict(WaterUser.Sector.choices),
            "params": request.GET,
            "year_value": request.GET.get("year", ""),
        }
        try:
            query = users_plans_parse(request.GET)
        except QueryError as exc:
            context["errors"] = exc.details
            return render(request, self.template_name, context, status=400)
        data = users_plans(query)
        for row in data["results"]:
            row["status_label"] = status_labels[row["status"]]
            row["sector_label"] = context["sector_labels"].get(row["sector"], row["sector"])
        context.update(data=data, query=query, year_value=query.year)
        return render(request, self.template_name, context)

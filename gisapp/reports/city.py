"""The city roll-up report (e.g. 清远市 of its counties): figures summed from the counties,
ratios recomputed from the sums, "n of m counties pass" per line, and a map of the counties
coloured by their verdict."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from compliance.api_city import city_find
from compliance.rollup import ADDITIVE, RATIOS, city_rollup
from gisapp.reports.looks import COUNTY_OUTLINE
from gisapp.reports.selectors import geos_to_shapely, verdict_label
from gisapp.reports.svg_map import SvgFeature, SvgLabel, SvgLayer, svg_map, swatch_svg
from gisapp.reports.views import BadRequest, parse_year
from layers.models import AdminArea
from layers.styles import compliance_style, state_paint

FIGURE_NAMES = {
    "population": gettext_lazy("Population"),
    "gdp_10k_yuan": gettext_lazy("GDP"),
    "industrial_value_added_10k_yuan": gettext_lazy("Industrial value added"),
    "water_use_m3": gettext_lazy("Total water use (Σ abstractions)"),
    "industrial_use_m3": gettext_lazy("Industrial water use"),
    "irrigated_area_mu": gettext_lazy("Irrigated area"),
    "irrigation_gross_m3": gettext_lazy("Irrigation gross withdrawal"),
    "irrigation_net_field_m3": gettext_lazy("Irrigation water reaching the fields"),
}
RATIO_NAMES = {
    "use_per_10k_gdp": gettext_lazy("Water use per 10,000 yuan of GDP"),
    "use_per_person_lpd": gettext_lazy("Water use per person per day"),
    "industrial_use_per_10k_iva": gettext_lazy(
        "Industrial water use per 10,000 yuan of value added"
    ),
    "irrigation_m3_per_mu": gettext_lazy("Irrigation water per mu"),
    "irrigation_efficiency": gettext_lazy("Field irrigation water efficiency"),
}
UNIT_TEXT = {
    "persons": gettext_lazy("persons"),
    "10k yuan": gettext_lazy("10k yuan"),
    "m³": "m³",
    "mu": gettext_lazy("mu"),
    "m³/10k yuan": gettext_lazy("m³/10k yuan"),
    "L/person/day": gettext_lazy("L/person/day"),
    "m³/mu": gettext_lazy("m³/mu"),
    "": "",
}
# A county's verdict drawn in the look of a compliance state (styles/compliance.json).
VERDICT_STATE = {"passed": "compliant", "failed": "non_compliant"}


def _number(value: float | None, unit: str, digits: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return f"{text} {UNIT_TEXT.get(unit, unit)}".strip()


def rollup_table(rollup: dict) -> dict:
    """The roll-up as rows of text for the template: figures (one column per county and the
    city's sum) and ratios (each county's and the city's, from the sums)."""
    counties = rollup["counties"]
    figures = [
        {
            "key": key,
            "name": FIGURE_NAMES[key],
            "counties": [_number(c.figures.get(key), unit) for c in counties],
            "city": _number(rollup["sums"][key], unit),
            "missing": rollup["missing"][key],
        }
        for key, unit in ADDITIVE.items()
    ]
    ratios = []
    for key, (_num, _den, _factor, unit) in RATIOS.items():
        digits = 3 if key == "irrigation_efficiency" else 1
        ratios.append(
            {
                "key": key,
                "name": RATIO_NAMES[key],
                "counties": [_number(c.ratios[key], unit, digits) for c in counties],
                "city": _number(rollup["ratios"][key], unit, digits),
            }
        )
    return {"figures": figures, "ratios": ratios}


def city_map_svg(rollup: dict, outlines: dict[str, object], city_outline) -> str:
    """The counties coloured by their verdict, each titled with its score, the city outline."""
    style = compliance_style()
    features, labels = [], []
    for c in rollup["counties"]:
        geom = outlines.get(c.code)
        if geom is None:
            continue
        paint = state_paint(style, VERDICT_STATE.get(c.verdict, "no_data"))
        features.append(SvgFeature(geom, paint, county_title(c)))
        point = geom.representative_point()
        labels.append(SvgLabel(point.x, point.y, c.name, "county", 0))
    layers = [SvgLayer("counties", features)]
    if city_outline is not None:
        layers.append(SvgLayer("city", [SvgFeature(city_outline, COUNTY_OUTLINE)]))
    bounds = city_outline.bounds if city_outline is not None else None
    return svg_map(
        layers,
        width=760,
        title=_("%(city)s: counties by verdict") % {"city": rollup["area_name"]},
        bounds=bounds,
        labels=labels,
        id_prefix="citymap",
    )


def county_title(c) -> str:
    """'连州市: 72 / 100 points, pass line 90: failed' in the active language."""
    if c.total is None:
        return f"{c.name}: {verdict_label(c.verdict)}"
    return _("%(name)s: %(total)s points (pass line %(line)s): %(verdict)s") % {
        "name": c.name,
        "total": f"{c.total:g}",
        "line": f"{c.pass_line:g}" if c.pass_line is not None else "—",
        "verdict": verdict_label(c.verdict),
    }


def verdict_legend() -> list[dict]:
    style = compliance_style()
    return [
        {
            # built by svg_map's swatch from validated style values (escaped there)
            "swatch": mark_safe(  # noqa: S308
                swatch_svg(state_paint(style, state), "Polygon", id_prefix=f"city-legend-{state}")
            ),
            "label": verdict_label(verdict),
        }
        for verdict, state in (
            ("passed", "compliant"),
            ("failed", "non_compliant"),
            ("cannot_be_judged", "no_data"),
        )
    ]


class CityReportDetailView(PermissionRequiredMixin, View):
    """GET /reports/city/?area=441800&year=YYYY: the roll-up of a city's counties."""

    permission_required = "compliance.view_result"
    raise_exception = True
    template_name = "gisapp/report_city.html"

    def get(self, request, *args, **kwargs):
        try:
            year = parse_year(request.GET.get("year"))
        except BadRequest as exc:
            return render(
                request, "gisapp/error.html", {"status": 400, "message": str(exc)}, status=400
            )
        code = request.GET.get("area") or None
        if code is not None and ("\x00" in code or len(code) > 12):
            raise Http404(_("No such city."))
        city = city_find(code)
        if city is None:
            raise Http404(_("No such city."))
        rollup = city_rollup(city, year)
        outlines = {
            a.code: geos_to_shapely(a.geom)
            for a in AdminArea.objects.filter(parent=city, level=AdminArea.Level.COUNTY)
        }
        context = {
            "rollup": rollup,
            "table": rollup_table(rollup),
            "county_titles": [
                {"code": c.code, "name": c.name, "title": county_title(c), "verdict": c.verdict}
                for c in rollup["counties"]
            ],
            "map_svg": mark_safe(city_map_svg(rollup, outlines, geos_to_shapely(city.geom))),  # noqa: S308 - escaped in svg_map
            "legend": verdict_legend(),
            "generated_at": timezone.localtime(),
        }
        return render(request, self.template_name, context)

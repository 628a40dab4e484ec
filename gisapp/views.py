"""Site pages: home, language switch (error pages: gisapp/error_pages.py)."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from compliance.freshness import default_year, evaluated_years
from dataio.titles import raster_slugs, raster_title
from gisapp.data_exports import LayerExportForm
from gisapp.middleware import LANGUAGE_COOKIE
from gisapp.raster_panel import raster_panel_config
from layers.permissions import can_import_layers, can_view_layer
from layers.place_names import place_names
from layers.records import RECORD_KINDS
from layers.registry import LAYERS
from layers.selectors import county_find, layer_counts, record_counts

# How the data page names a layer's geometry type.
GEOMETRY_NAMES = {
    "Point": pgettext_lazy("geometry", "points"),
    "LineString": pgettext_lazy("geometry", "lines"),
    "MultiLineString": pgettext_lazy("geometry", "lines"),
    "Polygon": pgettext_lazy("geometry", "areas"),
    "MultiPolygon": pgettext_lazy("geometry", "areas"),
}


class DataOverviewView(TemplateView):
    """The layers this user may read, with their counts and links to their data."""

    template_name = "gisapp/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = layer_counts()
        context["layers"] = [
            {
                "slug": slug,
                "title": spec.title,
                "count": counts.get(slug, 0),
                "geometry_type": GEOMETRY_NAMES.get(spec.geometry_type, spec.geometry_type),
            }
            for slug, spec in LAYERS.items()
            if can_view_layer(self.request.user, slug)
        ]
        context["export_form"] = LayerExportForm(auto_id=False)
        context["may_import"] = may_import = can_import_layers(self.request.user)
        if may_import:  # bulk imports of records and rasters: administrators only
            counts = record_counts()
            context["records"] = sorted(
                (
                    {
                        "kind": kind,
                        "title": spec.model._meta.verbose_name_plural,
                        "count": counts.get(kind, 0),
                    }
                    for kind, spec in RECORD_KINDS.items()
                ),
                key=lambda r: str(r["title"]),
            )
            context["rasters"] = [
                {"slug": slug, "title": raster_title(slug)} for slug in raster_slugs()
            ]
        return context


class MapView(TemplateView):
    """The officials' map: every layer, verdicts by year, failures listed (the home page)."""

    template_name = "gisapp/map.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        years = evaluated_years() or [default_year()]
        year = years[-1]
        county = county_find()
        bbox = list(county.geom.extent) if county else [112.1, 24.6, 112.8, 25.2]
        user = self.request.user
        layers = [
            {
                "slug": slug,
                "title": str(spec.title),
                "geometry_type": spec.geometry_type,
                "tiled": spec.tile is not None,
                "min_zoom": spec.tile.min_zoom if spec.tile else 0,
                "default_on": spec.default_on,
            }
            for slug, spec in LAYERS.items()
            if can_view_layer(user, slug)
        ]
        context.update(
            years=years,
            year=year,
            map_config={
                "year": year,
                "years": years,
                "lang": get_language(),
                "county_bbox": bbox,
                "layers": layers,
                "layerTitles": {lay["slug"]: lay["title"] for lay in layers},
                "styleUrls": {
                    **{
                        lay["slug"]: static(f"styles/{LAYERS[lay['slug']].style_file}")
                        for lay in layers
                    },
                    "compliance": static("styles/compliance.json"),
                },
                "urls": {
                    "api": "/api/v1/",
                    "tiles": "/tiles/",
                    "export_map": "/reports/map.html",
                    "report": "/reports/county/",
                    "city_report": "/reports/city/",
                },
                "labels": map_labels(),
                "placeNames": place_names(),
                "rasters": raster_panel_config(),
            },
        )
        return context


def map_labels() -> dict[str, str]:
    """Labels the map's script shows, translated on the server."""
    return {
        "indicator": _("Indicator"),
        "place_names": _("Place names"),
        "zoom_level": _("Zoom level"),
        "value": _("Value"),
        "threshold": _("Threshold"),
        "status": _("Status"),
        "year": _("Year"),
        "compliant": _("compliant"),
        "non_compliant": _("non-compliant"),
        "no_data": _("no data"),
        "no_results": _("No verdict for this feature."),
        "scorecard": _("Scorecard"),
        "points": _("points"),
        "pass_line": _("Pass line"),
        "verdict_passed": _("Passed"),
        "verdict_failed": _("Not passed"),
        "verdict_cannot_be_judged": _("Cannot be judged yet"),
        "verdict_no_data": _("No data"),
        "vetoed_by": _("Vetoed by prerequisite:"),
        "prerequisites_without_data": _("Prerequisites without data:"),
        "maximum_attainable": _("Maximum attainable with the data held:"),
        "unjudged_points": _("cannot be judged:"),
        "unjudged": _("Cannot be judged for lack of data"),
        "not_counted": _("not counted towards the pass"),
        "unverified": _("unverified"),
        "nothing_found": _("Nothing found."),
        "county_verdicts": _("Counties by verdict"),
        "county_report": _("County report"),
        "city_report": _("City roll-up"),
    }


@method_decorator(login_not_required, name="dispatch")
class LanguageSwitchView(View):
    """Sets the language cookie (zh-hans or en) and returns to the page the user came from."""

    def post(self, request):
        language = request.POST.get("language", settings.LANGUAGE_CODE)
        target = request.POST.get("next", "/")
        if not url_has_allowed_host_and_scheme(
            target, {request.get_host()}, require_https=request.is_secure()
        ):
            target = "/"
        response = HttpResponseRedirect(target)
        if language in dict(settings.LANGUAGES):
            response.set_cookie(
                LANGUAGE_COOKIE,
                language,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


@login_not_required
def favicon(request):
    """Browsers ask for /favicon.ico on every page, the admin's included."""
    return HttpResponseRedirect(static("gisapp/favicon.svg"))

"""Download a layer from the data page: GeoPackage, zipped Shapefile, GeoJSON or CSV, in WGS 84,
CGCS2000 or the county's Gauss-Krüger zone (CM 111°E), with each feature's verdict of a year
as attributes — the same writer as `manage.py export_layer` (dataio/exporting.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from compliance.freshness import default_year, evaluated_years
from dataio.exporting import EXPORT_SRIDS, ExportError, layer_export
from layers.permissions import can_view_layer
from layers.registry import LAYERS

EXPORT_FORMATS = {
    "gpkg": (".gpkg", "application/geopackage+sqlite3", gettext_lazy("GeoPackage")),
    "shp": (".zip", "application/zip", gettext_lazy("Shapefile (zip)")),
    "geojson": (".geojson", "application/geo+json", gettext_lazy("GeoJSON (WGS 84 only)")),
    "csv": (".csv", "text/csv", gettext_lazy("CSV (WKT geometry)")),
}


EXPORT_SRID_NAMES = {
    4546: gettext_lazy("CGCS2000, Gauss-Krüger 3° zone CM 111°E (EPSG:4546)"),
    4490: gettext_lazy("CGCS2000 longitude/latitude (EPSG:4490)"),
    4326: gettext_lazy("WGS 84 longitude/latitude (EPSG:4326)"),
}


class LayerExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[(k, v[2]) for k, v in EXPORT_FORMATS.items()]
    )
    srid = forms.TypedChoiceField(
        label=gettext_lazy("Coordinate system"),
        coerce=int,
        choices=[(code, EXPORT_SRID_NAMES[code]) for code in EXPORT_SRIDS],
        initial=4546,
    )
    year = forms.IntegerField(
        label=gettext_lazy("Verdicts of the year"), required=False, min_value=2000, max_value=2100
    )


class LayerExportView(LoginRequiredMixin, View):
    """GET /data/<slug>/export/?format=gpkg&srid=4546[&year=2025]: the file (nothing stored)."""

    def get(self, request, slug: str):
        if slug not in LAYERS:
            raise Http404
        if not can_view_layer(request.user, slug):
            raise PermissionDenied
        form = LayerExportForm(request.GET)
        if not form.is_valid():
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")
        suffix, content_type, _label = EXPORT_FORMATS[form.cleaned_data["format"]]
        years = evaluated_years()
        year = form.cleaned_data["year"] or (years[-1] if years else default_year())
        with tempfile.TemporaryDirectory(prefix="layer-export-") as folder:
            path = Path(folder) / f"{slug}{suffix}"
            try:
                layer_export(
                    slug=slug, path=path, srid=form.cleaned_data["srid"], verdicts_year=year
                )
            except ExportError as exc:
                return HttpResponseBadRequest(
                    _("This export cannot be made: %(reason)s") % {"reason": exc},
                    content_type="text/plain; charset=utf-8",
                )
            handle = path.open("rb")  # stays readable once the folder is removed
        name = f"{slug}-{year}-EPSG{form.cleaned_data['srid']}{suffix}"
        return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)

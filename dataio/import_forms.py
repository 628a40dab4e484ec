"""The upload forms of the browser imports (layers, records, rasters): which files and options
each accepts, with the size limit checked before anything is stored."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy

from dataio.importing.files import VECTOR_SUFFIXES, upload_size_check
from layers.geometry import ALLOWED_SRIDS

_ENCODINGS = ("GBK", "GB18030", "UTF-8", "Big5")


def _suffix_check(upload, allowed: set[str], message: str) -> None:
    if Path(upload.name or "").suffix.lower() not in allowed:
        raise forms.ValidationError(message, code="file_type")


class ImportFileForm(forms.Form):
    """The file; subclasses say which suffixes, the size limit and their options."""

    suffixes: set[str] = set()
    wrong_type = ""

    def max_bytes(self) -> int:
        return settings.LAYER_UPLOAD_MAX_BYTES

    def clean_file(self):
        upload = self.cleaned_data["file"]
        _suffix_check(upload, self.suffixes, str(self.wrong_type))
        upload_size_check(upload, self.max_bytes())
        return upload

    def options(self) -> dict:
        """The import service's keyword arguments (besides the file and dry_run)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "file"}


class LayerFileForm(ImportFileForm):
    suffixes = VECTOR_SUFFIXES - {".shp"}
    wrong_type = gettext_lazy(
        "Choose a .gpkg, .geojson, .zip (Shapefile), .csv (WKT or lon/lat columns) or .kml/.kmz "
        "file."
    )

    file = forms.FileField(
        label=gettext_lazy("Layer file (GeoPackage, GeoJSON, zipped Shapefile, CSV or KML)")
    )
    srid = forms.TypedChoiceField(
        label=gettext_lazy("Coordinate system"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", gettext_lazy("as the file says (.prj or its own)"))]
        + [(code, f"EPSG:{code} {name}") for code, name in ALLOWED_SRIDS.items()],
    )
    encoding = forms.ChoiceField(
        label=gettext_lazy("Text encoding (Shapefile, CSV)"),
        required=False,
        choices=[("", gettext_lazy("as the .cpg says, else UTF-8"))] + [(e, e) for e in _ENCODINGS],
    )
    gcj02 = forms.BooleanField(
        label=gettext_lazy("Coordinates are GCJ-02 (from a Chinese web map)"), required=False
    )
    clear_blanks = forms.BooleanField(
        label=gettext_lazy("Empty cells clear stored values"), required=False
    )
    retire_missing = forms.BooleanField(
        label=gettext_lazy("The file is the whole layer: retire features it leaves out"),
        required=False,
    )

    def options(self) -> dict:
        options = super().options()
        options["encoding"] = options["encoding"] or None
        return options


class RecordsFileForm(ImportFileForm):
    suffixes = {".csv", ".xlsx"}
    wrong_type = gettext_lazy("Choose a .csv or .xlsx file.")

    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))
    clear_blanks = forms.BooleanField(
        label=gettext_lazy("Empty cells clear stored values"), required=False
    )

    def max_bytes(self) -> int:
        return min(settings.LAYER_UPLOAD_MAX_BYTES, settings.IMPORT_MAX_RECORDS_BYTES)


class RasterFileForm(ImportFileForm):
    suffixes = {".tif", ".tiff"}
    wrong_type = gettext_lazy("Choose a GeoTIFF (.tif) file.")

    file = forms.FileField(label=gettext_lazy("GeoTIFF file (one band)"))
    title = forms.CharField(
        label=gettext_lazy("Title (Chinese)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("default: the raster's style file"),
    )
    unit = forms.CharField(
        label=gettext_lazy("Unit of the values"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("e.g. m or mm; default: the raster's style file"),
    )
    source = forms.CharField(
        label=gettext_lazy("Source of the data"), max_length=200, required=False
    )

    def max_bytes(self) -> int:
        return min(settings.LAYER_UPLOAD_MAX_BYTES * 2, settings.RASTER_MAX_BYTES)

    def options(self) -> dict:
        options = super().options()
        options["title"] = options["title"] or None
        options["unit"] = options["unit"] or None
        return options

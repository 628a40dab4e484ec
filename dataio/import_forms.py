"""The upload forms of the browser imports (layers, records, rasters): which files and options
each accepts, with the size limit checked before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dataio.importing.delivery import mapping_problems, records_mapping_problems
from dataio.importing.error_text import reason_text
from dataio.importing.files import CAD_SUFFIXES, VECTOR_SUFFIXES, upload_size_check
from dataio.importing.record_kinds import RECORD_KINDS
from dataio.models import ImportMapping
from dataio.selectors import import_mappings_for
from layers.geometry import ALLOWED_SRIDS
from layers.registry import LAYERS
from layers.text_rules import text_problem, text_problem_message

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

    def __init__(self, *args, target: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target

    def mapping_used(self):
        """The saved mapping the file is read with (layer files only)."""
        return None

    def options(self) -> dict:
        """The import service's keyword arguments (besides the file and dry_run)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "file"}


class _MappingFileForm(ImportFileForm):
    """A file read by a source's mapping: a saved one (offered for the target) or one written
    here, which may be saved for the source (kind: ImportMapping.kind)."""

    kind = "layer"
    MAPPING_FIELDS = ("saved_mapping", "mapping_json", "save_as", "source")

    saved_mapping = forms.ModelChoiceField(
        label=gettext_lazy("Saved mapping of the source"),
        queryset=ImportMapping.objects.none(),
        required=False,
        empty_label=gettext_lazy("none"),
    )
    mapping_json = forms.CharField(
        label=gettext_lazy("Mapping (JSON), instead of a saved one"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text=gettext_lazy("the source's own column names, values and CAD layer rules"),
    )
    save_as = forms.CharField(
        label=gettext_lazy("Save this mapping for the source as"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("a name, e.g. 设计院 DXF; a saved mapping of this name is replaced"),
    )
    source = forms.CharField(
        label=gettext_lazy("Source (who delivers such files)"), required=False, max_length=200
    )

    def __init__(self, *args, target: str = "", **kwargs):
        super().__init__(*args, target=target, **kwargs)
        self.fields["saved_mapping"].queryset = import_mappings_for(target, kind=self.kind)
        for name in self.MAPPING_FIELDS:  # after the subclass's own options
            self.fields[name] = self.fields.pop(name)

    def mapping_problems(self, data) -> list[str]:
        raise NotImplementedError

    def clean_mapping_json(self):
        text = self.cleaned_data["mapping_json"].strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("The mapping is not JSON: %(error)s") % {"error": exc}, code="json"
            ) from None
        problems = self.mapping_problems(data)
        if problems:
            raise forms.ValidationError([reason_text(p) for p in problems], code="mapping")
        return data

    def clean(self):
        cleaned = super().clean()
        for name in ("save_as", "source"):
            problem = text_problem(cleaned.get(name) or "")
            if problem is not None:
                self.add_error(name, text_problem_message(problem))
        if cleaned.get("save_as") and not cleaned.get("mapping_json"):
            self.add_error("save_as", _("Write the mapping (JSON) to save it."))
        if cleaned.get("saved_mapping") and cleaned.get("mapping_json"):
            self.add_error("mapping_json", _("Choose a saved mapping or write one, not both."))
        return cleaned

    def mapping_used(self) -> ImportMapping | None:
        return self.cleaned_data.get("saved_mapping")

    def options(self) -> dict:
        options = super().options()
        saved = options.pop("saved_mapping")
        written = options.pop("mapping_json")
        options.pop("save_as")
        options.pop("source")
        if saved is not None:
            options["mapping"] = saved.mapping  # the mapping as it was when checked
        elif written:
            options["mapping"] = written
        return options


class LayerFileForm(_MappingFileForm):
    suffixes = (VECTOR_SUFFIXES - {".shp"}) | CAD_SUFFIXES
    wrong_type = gettext_lazy(
        "Choose a .gpkg, .geojson, .zip (Shapefile), .csv or .xlsx (WKT or lon/lat columns), "
        ".kml/.kmz or .dxf (CAD, with a mapping) file."
    )

    file = forms.FileField(
        label=gettext_lazy(
            "Layer file (GeoPackage, GeoJSON, zipped Shapefile, CSV, XLSX, KML or CAD DXF)"
        )
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

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() == ".dwg":
            raise forms.ValidationError(
                _(
                    "DWG drawings cannot be read (no free DWG reader): save the drawing as DXF "
                    "in the CAD program and import the .dxf with a mapping of its CAD layers."
                ),
                code="dwg",
            )
        return super().clean_file()

    def mapping_problems(self, data) -> list[str]:
        cad = isinstance(data, dict) and data.get("cad")
        return mapping_problems(data, None if cad else LAYERS[self.target].attr_names)

    def options(self) -> dict:
        options = super().options()
        options["encoding"] = options["encoding"] or None
        return options


class RecordsFileForm(_MappingFileForm):
    kind = "records"
    suffixes = {".csv", ".xlsx"}
    wrong_type = gettext_lazy("Choose a .csv or .xlsx file.")

    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))
    clear_blanks = forms.BooleanField(
        label=gettext_lazy("Empty cells clear stored values"), required=False
    )

    def max_bytes(self) -> int:
        return min(settings.LAYER_UPLOAD_MAX_BYTES, settings.IMPORT_MAX_RECORDS_BYTES)

    def mapping_problems(self, data) -> list[str]:
        return records_mapping_problems(data, RECORD_KINDS[self.target].headers)


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

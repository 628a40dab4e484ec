"""Import a layer file in the browser (administrators): upload, a check that compares every
feature with the stored layer and lists what would change (or every refused row), then the
import itself from the checked file — the same service and rules as `manage.py import_layer`.

The checked file waits in MEDIA_ROOT/import-staging under a random name, remembered in the
uploader's session, for at most LAYER_UPLOAD_KEEP_S seconds.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from audit.services import audit_import
from dataio.importing import ImportFailed
from dataio.importing.error_text import errors_for_page
from dataio.importing.files import VECTOR_SUFFIXES, upload_size_check
from dataio.importing.layer_import import layer_import
from layers.geometry import ALLOWED_SRIDS
from layers.permissions import can_import_layers
from layers.registry import LAYERS

SHOWN_ROWS = 200  # a page lists this many refusals or changes; the counts say how many
_SESSION_KEY = "layer_imports"
_ENCODINGS = ("GBK", "GB18030", "UTF-8", "Big5")


def _staging_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "import-staging"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _staging_sweep() -> None:
    """Remove checked files older than LAYER_UPLOAD_KEEP_S (never imported)."""
    limit = time.time() - settings.LAYER_UPLOAD_KEEP_S
    for path in _staging_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


class LayerFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Layer file (GeoPackage, GeoJSON or zipped Shapefile)")
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
        label=gettext_lazy("Text encoding (Shapefile)"),
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
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in VECTOR_SUFFIXES - {".shp"}:
            raise forms.ValidationError(
                _("Choose a .gpkg, .geojson or .zip (Shapefile) file."), code="file_type"
            )
        limit = settings.LAYER_UPLOAD_MAX_BYTES
        upload_size_check(upload, limit)
        return upload


class LayerImportView(LoginRequiredMixin, TemplateView):
    """GET /data/<slug>/import/: the form; POST action=check: upload and compare (writes
    nothing); POST action=commit: import the checked file."""

    template_name = "dataio/layer_import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.spec = LAYERS.get(kwargs["slug"])
            if self.spec is None:
                raise Http404
            if not can_import_layers(request.user):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", LayerFileForm())
        context.update(
            {
                "slug": self.spec.slug,
                "title": self.spec.title,
                "attrs": self.spec.attrs,
                "max_mb": settings.LAYER_UPLOAD_MAX_BYTES / 2**20,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        _staging_sweep()
        if request.POST.get("action") == "commit":
            return self._commit(request)
        form = LayerFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        token = secrets.token_urlsafe(18)
        path = _staging_dir() / f"{token}{Path(upload.name).suffix.lower()}"
        with path.open("wb") as fh:  # never the uploader's file name
            for chunk in upload.chunks():
                fh.write(chunk)
        options = {
            k: form.cleaned_data[k]
            for k in ("srid", "encoding", "gcj02", "clear_blanks", "retire_missing")
        }
        options["encoding"] = options["encoding"] or None
        staged = request.session.get(_SESSION_KEY, {})
        staged[token] = {
            "slug": self.spec.slug,
            "path": path.name,
            "name": upload.name[:200],
            "options": options,
        }
        request.session[_SESSION_KEY] = staged
        return self._run(request, token, staged[token], dry_run=True)

    def _commit(self, request):
        token = request.POST.get("token", "")
        staged = request.session.get(_SESSION_KEY, {})
        entry = staged.get(token)
        if entry is None or entry["slug"] != self.spec.slug:
            context = self.get_context_data(expired=True)
            return self.render_to_response(context, status=400)
        response = self._run(request, token, entry, dry_run=False)
        if response.status_code == 200:
            (_staging_dir() / entry["path"]).unlink(missing_ok=True)
            staged.pop(token, None)
            request.session[_SESSION_KEY] = staged
        return response

    def _run(self, request, token: str, entry: dict, *, dry_run: bool):
        path = _staging_dir() / entry["path"]
        if not path.is_file():
            return self.render_to_response(self.get_context_data(expired=True), status=400)
        try:
            report = layer_import(
                slug=self.spec.slug,
                path=path,
                dry_run=dry_run,
                user=request.user,
                **entry["options"],
            )
        except ImportFailed as exc:
            audit_import(
                kind="layer", target=self.spec.slug, path=entry["name"], errors=exc.errors,
                user=request.user, request=request,
            )  # fmt: skip
            context = self.get_context_data(
                errors=errors_for_page(exc.errors[:SHOWN_ROWS]),
                error_count=len(exc.errors),
                file_name=entry["name"],
            )
            return self.render_to_response(context, status=400)
        if not dry_run:
            audit_import(
                kind="layer", target=self.spec.slug, path=entry["name"], report=report,
                user=request.user, request=request,
            )  # fmt: skip
        moving = [c for c in report.changes if c.action != "unchanged"]
        context = self.get_context_data(
            report=report,
            changes=moving[:SHOWN_ROWS],
            change_count=len(moving),
            token=token if dry_run else "",
            file_name=entry["name"],
            options=entry["options"],
        )
        return self.render_to_response(context)

"""Import a register from a file in the browser: the same all-or-nothing import as the command
(dataio.importing.records_import), a row-level report of every refusal in the reader's language,
a 'check only' run that writes nothing, and an audit event either way."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from audit.services import audit_import
from dataio.importing import ImportFailed
from dataio.importing.error_text import errors_for_page
from dataio.importing.files import upload_size_check
from dataio.importing.records_import import records_import
from registers.pages import may_import, register_spec

SHOWN_ERRORS = 200  # a page lists this many refusals; the count says how many there were


class RegisterFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))
    check_only = forms.BooleanField(
        label=gettext_lazy("Check only (write nothing)"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."), code="file_type")
        limit = settings.REGISTER_UPLOAD_MAX_BYTES
        upload_size_check(upload, limit)
        return upload


class RegisterImportView(LoginRequiredMixin, TemplateView):
    """GET /registers/<kind>/import/: the form and the columns the file needs; POST: import."""

    template_name = "registers/import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.spec = register_spec(request, kwargs["kind"])
            if not may_import(request, self.spec):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", RegisterFileForm())
        context.update(
            {
                "kind": self.kwargs["kind"],
                "title": self.spec.model._meta.verbose_name_plural,
                "headers": self.spec.headers,
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        form = RegisterFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        kind = self.kwargs["kind"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.TemporaryDirectory(prefix="register-import-") as folder:
            path = Path(folder) / f"upload{suffix}"  # never the uploader's file name
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            try:
                report = records_import(
                    kind=kind, path=path, dry_run=form.cleaned_data["check_only"]
                )
            except ImportFailed as exc:
                audit_import(
                    kind="records", target=kind, path=upload.name[:200], errors=exc.errors,
                    user=request.user, request=request,
                )  # fmt: skip
                context = self.get_context_data(
                    form=RegisterFileForm(),
                    errors=errors_for_page(exc.errors[:SHOWN_ERRORS]),
                    error_count=len(exc.errors),
                )
                return self.render_to_response(context, status=400)
        audit_import(
            kind="records", target=kind, path=upload.name[:200], report=report,
            user=request.user, request=request,
        )  # fmt: skip
        return self.render_to_response(self.get_context_data(report=report))

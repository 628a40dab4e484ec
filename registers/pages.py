"""Register pages for staff: every register with its rows, a page of a register's rows, and
its export (CSV or XLSX, in the format the import reads back). Reads only."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.urls import NoReverseMatch, reverse
from django.views import View
from django.views.generic import TemplateView

from dataio.records_export import record_rows, records_export
from layers.records import RECORD_KINDS

# The registers in the order a county keeps its 台账.
REGISTERS = (
    "policy-documents",
    "quota-checks",
    "construction-projects",
    "appliance-surveys",
    "publicity-events",
    "withdrawal-permits",
    "key-users",
)
PAGE_SIZE = 100


def _spec(request, kind: str):
    """The register's record kind, if the user may read it (404 / 403 otherwise)."""
    if kind not in REGISTERS:
        raise Http404
    spec = RECORD_KINDS[kind]
    meta = spec.model._meta
    if not request.user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        raise PermissionDenied
    return spec


def _admin_url(request, spec) -> str | None:
    meta = spec.model._meta
    may_edit = request.user.has_perm(f"{meta.app_label}.change_{meta.model_name}")
    if not (request.user.is_staff and may_edit):
        return None
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    except NoReverseMatch:
        return None


class RegisterListView(LoginRequiredMixin, TemplateView):
    """GET /registers/: the registers with their row counts and links."""

    template_name = "registers/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = []
        for kind in REGISTERS:
            spec = RECORD_KINDS[kind]
            meta = spec.model._meta
            if self.request.user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
                rows.append(
                    {
                        "kind": kind,
                        "title": meta.verbose_name_plural,
                        "count": spec.model.objects.count(),
                        "admin_url": _admin_url(self.request, spec),
                    }
                )
        context["registers"] = rows
        return context


class RegisterTableView(LoginRequiredMixin, TemplateView):
    """GET /registers/<kind>/?page=N: the register's rows, 100 a page, as the file has them."""

    template_name = "registers/table.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spec = _spec(self.request, kwargs["kind"])
        header, rows = record_rows(spec)
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        labels = {f.name: f.verbose_name for f in spec.model._meta.fields}
        context.update(
            {
                "kind": kwargs["kind"],
                "title": spec.model._meta.verbose_name_plural,
                "header": [labels.get(h, h) for h in header],
                "columns": header,
                "page": page,
                "admin_url": _admin_url(self.request, spec),
            }
        )
        return context


class RegisterExportView(LoginRequiredMixin, View):
    """GET /registers/<kind>/export.<csv|xlsx>: the whole register as a file."""

    def get(self, request, kind: str, suffix: str):
        _spec(request, kind)
        with tempfile.TemporaryDirectory(prefix="register-export-") as folder:
            path = Path(folder) / f"{kind}.{suffix}"
            records_export(kind=kind, path=path)
            body = io.BytesIO(path.read_bytes())
        return FileResponse(body, as_attachment=True, filename=f"{kind}.{suffix}")

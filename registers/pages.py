"""Register pages for staff: every register with its rows, a page of a register's rows, and
its export (CSV or XLSX, in the format the import reads back). Reads only."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import FloatField, IntegerField
from django.http import FileResponse, Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from dataio.records_export import records_export
from layers.records import RECORD_KINDS

# The registers in the order a county keeps its 台账.
REGISTERS = (
    "policy-documents",
    "tariff-bands",
    "agricultural-price-reform",
    "water-quotas",
    "district-quotas",
    "quota-checks",
    "construction-projects",
    "appliance-surveys",
    "publicity-events",
    "user-associations",
    "withdrawal-permits",
    "resource-levies",
    "carrier-recognitions",
    "nonconventional-uses",
    "key-users",
    "plan-tasks",
    "plan-task-notes",
)
PAGE_SIZE = 100


def register_spec(request, kind: str):
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


def _cell(obj, name: str) -> str:
    """A stored value as an official reads it: choice labels, 是/否, thousands, units apart."""
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(obj._get_FIELD_display(field))
    if field.is_relation:
        return str(value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, float) and field.help_text == "°":  # coordinates: ~1 m
        return f"{value:.5f}"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.4g}"
    if isinstance(value, int) and name != "year":
        return f"{value:,}"
    return str(value)


def _heading(model, name: str) -> str:
    field = model._meta.get_field(name)
    unit = str(field.help_text or "")
    if isinstance(field, (FloatField, IntegerField)) and unit and len(unit) <= 12:
        return f"{field.verbose_name}（{unit}）"
    return str(field.verbose_name)


class RegisterTableView(LoginRequiredMixin, TemplateView):
    """GET /registers/<kind>/?page=N: the register's rows, 100 a page, readable: the parent by
    code and name, choices by their label, numbers with their unit in the heading."""

    template_name = "registers/table.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spec = register_spec(self.request, kwargs["kind"])
        parent = spec.parent_field.removesuffix("_id")
        names = [a.ref[1] if a.ref else a.name for a in spec.columns]  # a reference: its FK
        related = [parent, *(a.ref[1] for a in spec.columns if a.ref)]
        qs = spec.model.objects.select_related(*related).order_by(
            f"{parent}__code", *(a.field_path for a in spec.columns if a.name in spec.key)
        )
        page = Paginator(qs, PAGE_SIZE).get_page(self.request.GET.get("page"))
        rows = []
        for obj in page:
            owner = getattr(obj, parent)
            rows.append([f"{owner.code} {owner.name}", *(_cell(obj, n) for n in names)])
        model = spec.model
        context.update(
            {
                "kind": kwargs["kind"],
                "title": model._meta.verbose_name_plural,
                "header": [
                    str(model._meta.get_field(parent).verbose_name),
                    *(_heading(model, n) for n in names),
                ],
                "page": page,
                "rows": rows,
                "admin_url": _admin_url(self.request, spec),
                "import_url": reverse("registers:import", args=[kwargs["kind"]])
                if may_import(self.request, spec)
                else None,
            }
        )
        return context


def may_import(request, spec) -> bool:
    """Importing a register adds and changes its rows: both permissions are needed."""
    meta = spec.model._meta
    return all(
        request.user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")
        for action in ("add", "change")
    )


class RegisterExportView(LoginRequiredMixin, View):
    """GET /registers/<kind>/export.<csv|xlsx>: the whole register as a file."""

    def get(self, request, kind: str, suffix: str):
        register_spec(request, kind)
        with tempfile.TemporaryDirectory(prefix="register-export-") as folder:
            path = Path(folder) / f"{kind}.{suffix}"
            records_export(kind=kind, path=path)
            body = io.BytesIO(path.read_bytes())
        return FileResponse(body, as_attachment=True, filename=f"{kind}.{suffix}")

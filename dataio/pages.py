"""Imports in the browser (administrators): layers, records and rasters. The upload is staged
and a check (dry run) is queued; the job page shows its progress, then every change or every
refused row; "import these changes" queues the import of the checked file. Jobs run in the
background worker (dataio/jobs.py) through the same services as the import commands.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from dataio.import_forms import LayerFileForm, RasterFileForm, RecordsFileForm
from dataio.importing.error_text import errors_for_page, notes_for_page
from dataio.importing.errors import RowError
from dataio.jobs import job_enqueue, staging_dir, staging_sweep
from dataio.models import ImportJob
from dataio.services import import_mapping_save
from dataio.titles import import_title, raster_slugs
from layers.permissions import can_import_layers
from layers.records import RECORD_KINDS
from layers.registry import LAYERS

# A queued job no worker has started after this long gets a note on its page.
WORKER_LATE_S = 20

STEP_LABELS = {
    "read": gettext_lazy("Reading the file"),
    "validate": gettext_lazy("Checking every row"),
    "extent": gettext_lazy("Checking that every feature lies in the county"),
    "write": gettext_lazy("Comparing with the stored data and writing"),
    "inspect": gettext_lazy("Reading the raster"),
    "statistics": gettext_lazy("Computing the raster's statistics"),
    "store": gettext_lazy("Storing the raster"),
}


class _AdminOnly(LoginRequiredMixin):
    """Bulk imports replace a county's data: administrators only (docs/security.md)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_import_layers(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ImportStartView(_AdminOnly, TemplateView):
    """GET: the upload form; POST: stage the file, queue its check, go to the job's page."""

    template_name = "dataio/import_start.html"
    kind = ""
    form_class = LayerFileForm

    def target_known(self, target: str) -> bool:
        raise NotImplementedError

    def columns(self) -> list[str]:
        return []

    def dispatch(self, request, *args, **kwargs):
        if not self.target_known(kwargs["target"]):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.setdefault("form", self.form_class(target=self.kwargs["target"]))
        context.update(
            kind=self.kind,
            title=import_title(self.kind, self.kwargs["target"]),
            columns=self.columns(),
            max_mb=form.max_bytes() / 2**20,
            recent=ImportJob.objects.filter(
                kind=self.kind, target=self.kwargs["target"], created_by=self.request.user
            )[:5],
        )
        return context

    def post(self, request, *args, **kwargs):
        staging_sweep()
        form = self.form_class(request.POST, request.FILES, target=kwargs["target"])
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        mapping = form.mapping_used()
        if form.cleaned_data.get("save_as"):
            try:
                mapping = import_mapping_save(
                    name=form.cleaned_data["save_as"],
                    source=form.cleaned_data["source"],
                    target=kwargs["target"],
                    mapping=form.cleaned_data["mapping_json"],
                    user=request.user,
                    kind=self.kind,
                )
            except ValidationError as exc:
                form.add_error("save_as", exc)
                return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        name = f"{secrets.token_urlsafe(18)}{Path(upload.name).suffix.lower()}"
        staging_dir().mkdir(parents=True, exist_ok=True)
        with (staging_dir() / name).open("wb") as fh:  # never the uploader's file name
            for chunk in upload.chunks():
                fh.write(chunk)
        job = job_enqueue(
            kind=self.kind,
            target=kwargs["target"],
            staged_name=name,
            file_name=upload.name,
            options=form.options(),
            dry_run=True,
            user=request.user,
            mapping=mapping,
        )
        return redirect("dataio:job", job.pk)


class LayerImportView(ImportStartView):
    kind = ImportJob.Kind.LAYER
    form_class = LayerFileForm

    def target_known(self, target: str) -> bool:
        return target in LAYERS

    def columns(self) -> list[str]:
        spec = LAYERS[self.kwargs["target"]]
        return [f"{a.name}{'*' if a.required else ''}" for a in spec.attrs]


class RecordsImportView(ImportStartView):
    kind = ImportJob.Kind.RECORDS
    form_class = RecordsFileForm

    def target_known(self, target: str) -> bool:
        return target in RECORD_KINDS

    def columns(self) -> list[str]:
        return list(RECORD_KINDS[self.kwargs["target"]].headers)


class RasterImportView(ImportStartView):
    kind = ImportJob.Kind.RASTER
    form_class = RasterFileForm

    def target_known(self, target: str) -> bool:
        return target in raster_slugs()


def _job_for(request, job_id) -> ImportJob:
    """A job its uploader (or a superuser) may see; 404 for anyone else's."""
    jobs = ImportJob.objects.select_related("created_by", "mapping")
    if not request.user.is_superuser:
        jobs = jobs.filter(created_by=request.user)
    return get_object_or_404(jobs, pk=job_id)


def job_progress(job: ImportJob) -> dict:
    """What the job page polls: state, step (translated), rows done and in all."""
    waited = (timezone.now() - job.created_at).total_seconds()
    label = STEP_LABELS.get(job.step, job.step)
    if job.step == "write" and job.dry_run:
        label = _("Comparing with the stored data (nothing is written)")
    return {
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "finished": job.finished,
        "step": str(label) if job.step else "",
        "done": job.done,
        "total": job.total,
        "worker_late": job.state == ImportJob.State.QUEUED and waited > WORKER_LATE_S,
    }


class ImportJobView(_AdminOnly, TemplateView):
    """GET /data/imports/<id>/: the job's progress or outcome; POST: import the checked file."""

    template_name = "dataio/import_job.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = _job_for(self.request, kwargs["job_id"])
        report = job.report or {}
        errors = [RowError(row, column, reason) for row, column, reason in job.errors]
        follow_up = job.imports.order_by("-created_at").first() if job.dry_run else None
        staged = (staging_dir() / job.staged_name).is_file()
        context.update(
            job=job,
            progress=job_progress(job),
            title=import_title(job.kind, job.target),
            report=report,
            notes=notes_for_page(report.get("notes", [])),
            errors=errors_for_page(errors),
            error_count=job.error_count,
            follow_up=follow_up,
            may_commit=(
                job.dry_run and job.state == ImportJob.State.DONE and not follow_up and staged
            ),
            expired=job.dry_run and job.state == ImportJob.State.DONE and not staged,
            start_url=_start_url(job),
        )
        return context

    def post(self, request, *args, **kwargs):
        checked = _job_for(request, kwargs["job_id"])
        if checked.imports.exists():  # imported once already: show that import
            return redirect("dataio:job", checked.imports.latest("created_at").pk)
        staged = (staging_dir() / checked.staged_name).is_file()
        if not (checked.dry_run and checked.state == ImportJob.State.DONE and staged):
            return self.render_to_response(self.get_context_data(**kwargs), status=400)
        job = job_enqueue(
            kind=checked.kind,
            target=checked.target,
            staged_name=checked.staged_name,
            file_name=checked.file_name,
            options=checked.options,
            dry_run=False,
            user=request.user,
            checked=checked,
            mapping=checked.mapping,
        )
        return redirect("dataio:job", job.pk)


def _start_url(job: ImportJob) -> str:
    name = {"layer": "layer-import", "records": "records-import", "raster": "raster-import"}
    return reverse(f"dataio:{name[job.kind]}", args=[job.target])


class ImportJobProgressView(_AdminOnly, View):
    """GET /data/imports/<id>/progress/: the job's progress as JSON, for the page's poll."""

    def get(self, request, *args, **kwargs):
        job = _job_for(request, kwargs["job_id"])
        return JsonResponse(job_progress(job))

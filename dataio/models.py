"""Browser imports run as jobs: the page stores the upload and a job, the background worker
(`manage.py evaluation_worker`) runs the import service and writes its progress, the page polls
it. A check (dry run) and the import itself are two jobs over the same staged file."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Kind(models.TextChoices):
        LAYER = "layer", _("layer")
        RECORDS = "records", _("records")
        RASTER = "raster", _("raster")

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        REFUSED = "refused", _("refused")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    target = models.CharField(
        _("target"), max_length=64, help_text=_("layer, record kind or raster slug")
    )
    file_name = models.CharField(_("file name"), max_length=200, help_text=_("as uploaded"))
    staged_name = models.CharField(
        _("staged file"),
        max_length=100,
        help_text=_("its random name in MEDIA_ROOT/import-staging"),
    )
    options = models.JSONField(_("options"), default=dict, blank=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("the uploader's, for the report")
    )
    dry_run = models.BooleanField(_("check only"), default=True)
    checked = models.ForeignKey(
        "self",
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
        help_text=_("the check whose file this import writes"),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    step = models.CharField(_("step"), max_length=100, blank=True)
    done = models.PositiveIntegerField(_("rows done"), default=0)
    total = models.PositiveIntegerField(_("rows in all"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    errors = models.JSONField(_("refused rows"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("refused rows in all"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.CASCADE
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="importjob_queue")]

    def __str__(self) -> str:
        return f"{self.kind} {self.target}: {self.file_name} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.REFUSED, self.State.FAILED)

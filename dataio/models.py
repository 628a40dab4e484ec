"""Browser imports run as jobs: the page stores the upload and a job, the background worker
(`manage.py evaluation_worker`) runs the import service and writes its progress, the page polls
it. A check (dry run) and the import itself are two jobs over the same staged file."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from dataio.importing.delivery import mapping_problems, records_mapping_problems
from dataio.importing.error_text import reason_text
from dataio.importing.record_kinds import RECORD_KINDS
from layers.registry import LAYERS


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
    mapping = models.ForeignKey(
        "ImportMapping",
        verbose_name=_("mapping"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
        help_text=_("the saved mapping of the source the file was read with"),
    )
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


class ImportMapping(models.Model):
    """A source's own names, saved: how the files one surveyor or design institute delivers
    are read (columns, value aliases, CAD layer rules, coordinate system, encoding), checked
    by the same validator as a mapping file (dataio.importing.delivery.mapping_problems)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    source = models.CharField(
        _("delivered by"), max_length=200, blank=True, help_text=_("who delivers such files")
    )
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=[("layer", _("layer")), ("records", _("records"))],
        default="layer",
    )
    target = models.CharField(
        _("target"),
        max_length=64,
        help_text=_(
            "the layer or record kind the mapping reads files into (a CAD mapping may name "
            "other layers)"
        ),
    )
    mapping = models.JSONField(
        _("mapping"),
        default=dict,
        help_text=_(
            'JSON: {"columns": {file column: attribute}, "values": {attribute: {file value: '
            'stored value}}, "cad": {layer: CAD rules}, "srid": EPSG code, "encoding": "GBK"}'
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["target", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.target})"

    def clean(self) -> None:
        if self.kind == "records":
            if self.target not in RECORD_KINDS:
                raise ValidationError({"target": _("Unknown record kind.")})
            problems = records_mapping_problems(self.mapping, RECORD_KINDS[self.target].headers)
        elif self.target not in LAYERS:
            raise ValidationError({"target": _("Unknown layer.")})
        else:
            cad = isinstance(self.mapping, dict) and self.mapping.get("cad")
            problems = mapping_problems(
                self.mapping, None if cad else LAYERS[self.target].attr_names
            )
        if problems:
            raise ValidationError({"mapping": [reason_text(p) for p in problems]})

"""Network editing records: the change history, confirmed pipe crossings, replayable answers."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from layers.scope import ScopedManager
from network.models.pipes import PipeSegment


class NetworkChange(models.Model):
    """One write to the pipe network: who, when, which operation, the states before and after.

    `before` and `after` hold {"pipes": [Feature], "nodes": [Feature]} in GeoJSON (EPSG:4326,
    full precision) with every stored attribute, so a change can be shown and reverted. A
    feature absent from `before` was created by the change; one absent from `after` was
    deleted by it. Ids are kept as plain numbers: a deleted pipe's history outlives it.
    Leak and crossing-mark changes hold {"leaks": [Feature]} or {"crossings": [mark]} the
    same way, with the pipes they lie on in `pipe_ids` (so they show in the pipe's history).
    An import keeps the features it created as after = {"first_load": [[id, looked-up values]]}:
    read it through network.services.import_history.created_states.
    """

    class Operation(models.TextChoices):
        PIPE_CREATE = "pipe_create", _("pipe drawn")
        PIPE_UPDATE = "pipe_update", _("pipe edited")
        PIPE_MOVE = "pipe_move", _("pipe moved")
        PIPE_SPLIT = "pipe_split", _("pipe split")
        PIPE_MERGE = "pipe_merge", _("pipes merged")
        PIPE_RETIRE = "pipe_retire", _("pipe retired")
        PIPE_RESTORE = "pipe_restore", _("pipe restored")
        NODE_CREATE = "node_create", _("node added")
        NODE_UPDATE = "node_update", _("node edited")
        NODE_MOVE = "node_move", _("node moved")
        NODE_DELETE = "node_delete", _("node deleted")
        REVERT = "revert", _("change reverted")
        IMPORT = "import", _("imported from a file")
        LEAK_RECORD = "leak_record", _("leak recorded")
        LEAK_UPDATE = "leak_update", _("leak edited")
        LEAK_DELETE = "leak_delete", _("leak record removed")
        CROSSING_CONFIRM = "crossing_confirm", _("crossing confirmed")
        CROSSING_DELETE = "crossing_delete", _("crossing mark removed")

    operation = models.CharField(_("operation"), max_length=20, choices=Operation.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("account", "user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)
    pipe_ids = ArrayField(
        models.BigIntegerField(), verbose_name=_("pipe segments"), default=list, blank=True
    )
    node_ids = ArrayField(
        models.BigIntegerField(), verbose_name=_("pipe nodes"), default=list, blank=True
    )
    before = models.JSONField(_("before"), default=dict, help_text=_("GeoJSON, EPSG:4326"))
    after = models.JSONField(_("after"), default=dict, help_text=_("GeoJSON, EPSG:4326"))
    reverts = models.ForeignKey(
        "self",
        verbose_name=_("reverts"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reverted_by",
    )

    class Meta:
        db_table = "layers_networkchange"  # the table from before the app split
        ordering = ["-created_at", "-id"]
        verbose_name = _("network change")
        verbose_name_plural = _("network changes")
        indexes = [
            GinIndex(fields=["pipe_ids"], name="networkchange_pipe_ids"),
            GinIndex(fields=["node_ids"], name="networkchange_node_ids"),
        ]

    def __str__(self) -> str:
        return f"{self.get_operation_display()} #{self.pk}"


class PipeCrossing(models.Model):
    """Two pipes confirmed to cross without joining (a main passing over a distribution pipe).

    The network check leaves such pairs out of its "crossing without a node" list.
    """

    pipe_a = models.ForeignKey(
        PipeSegment, verbose_name=_("pipe A"), on_delete=models.CASCADE, related_name="+"
    )
    pipe_b = models.ForeignKey(
        PipeSegment, verbose_name=_("pipe B"), on_delete=models.CASCADE, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager("pipe_a__county")

    class Meta:
        db_table = "layers_pipecrossing"  # the table from before the app split
        ordering = ["pipe_a", "pipe_b"]
        verbose_name = _("confirmed pipe crossing")
        verbose_name_plural = _("confirmed pipe crossings")
        constraints = [
            models.UniqueConstraint(fields=["pipe_a", "pipe_b"], name="pipecrossing_unique"),
            # One row per unordered pair: the smaller id first.
            models.CheckConstraint(
                condition=Q(pipe_a__lt=F("pipe_b")), name="pipecrossing_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pipe_a_id} × {self.pipe_b_id}"


class IdempotentRequest(models.Model):
    """The answer to a write sent with an `Idempotency-Key`, replayed when the key comes again.

    Kept 24 hours (a retry arrives within seconds or minutes); method, path, body hash and
    precondition tell a retry from a different request reusing the key. Other users' answers
    are private: only superusers see these rows in the admin (accounts/roles.py grants no role
    any permission on them).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("account", "user"),
        on_delete=models.CASCADE,
    )
    key = models.CharField(_("idempotency key"), max_length=200)
    fingerprint = models.CharField(
        _("request fingerprint"), max_length=64, help_text=_("SHA-256 of method, path, body")
    )
    # The request in parts, so that a key met with another request is refused with the reason
    # (network.services.idempotency.replay_refusal). Rows stored before have them blank.
    method = models.CharField(_("method"), max_length=10, blank=True, default="")
    path = models.CharField(_("path"), max_length=2000, blank=True, default="")
    body_hash = models.CharField(
        _("body hash"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("SHA-256 of the body without its version"),
    )
    precondition = models.CharField(
        _("precondition"),
        max_length=250,
        blank=True,
        default="",
        help_text=_("The version the request was made on: the body's version and If-Match"),
    )
    status_code = models.PositiveSmallIntegerField(_("status code"))
    body = models.TextField(_("response body"))
    content_type = models.CharField(_("content type"), max_length=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "layers_idempotentrequest"  # the table from before the app split
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotentrequest_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

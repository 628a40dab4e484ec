"""Hydraulic runs of the network (EPANET/WNTR) and the pressures they gave at each node."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from layers.scope import CountiesScopedManager, ScopedManager
from network.models.pipes import PipeNode


class HydraulicRun(models.Model):
    """One simulation: steady state and extended period of the network exported from the
    database (source "network") or of a .inp file run elsewhere and sent back ("import")."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Source(models.TextChoices):
        NETWORK = "network", _("the network in the database")
        IMPORT = "import", _("an imported .inp file")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.NETWORK
    )
    engine = models.CharField(_("engine"), max_length=8, default="epanet")
    hours = models.PositiveSmallIntegerField(
        _("extended period"), default=24, help_text=_("hours (0: steady state only)")
    )
    options = models.JSONField(
        _("options"),
        default=dict,
        blank=True,
        help_text=_("What the run assumed: month and its factor, minimum service pressure (m)…"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    error = models.TextField(_("error"), blank=True)
    duration_s = models.FloatField(_("duration"), null=True, blank=True, help_text=_("seconds"))
    node_count = models.PositiveIntegerField(_("junctions"), default=0)
    pipe_count = models.PositiveIntegerField(_("pipes"), default=0)
    reservoir_count = models.PositiveIntegerField(_("reservoirs"), default=0)
    below_count = models.PositiveIntegerField(
        _("junctions below the minimum"), default=0, help_text=_("at their lowest pressure")
    )
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    counties = ArrayField(
        models.BigIntegerField(),
        verbose_name=_("counties"),
        default=list,
        blank=True,
        help_text=_(
            "The counties whose pipes the run simulated (their ids): a user sees the run when "
            "their area holds all of them."
        ),
    )

    objects = CountiesScopedManager("counties")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hydraulic run")
        verbose_name_plural = _("hydraulic runs")

    def __str__(self) -> str:
        return f"{self.pk} {self.created_at:%Y-%m-%d %H:%M} {self.status}"


class NodePressure(models.Model):
    """A junction's pressure in one run: at base demand (steady state) and its lowest and mean
    over the extended period, with the hour of the lowest (m of water head)."""

    run = models.ForeignKey(
        HydraulicRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="pressures"
    )
    node = models.ForeignKey(
        PipeNode, verbose_name=_("node"), on_delete=models.CASCADE, related_name="+"
    )
    demand_lps = models.FloatField(_("base demand"), default=0, help_text=_("L/s"))
    pressure_steady_m = models.FloatField(_("steady-state pressure"), help_text=_("m"))
    pressure_min_m = models.FloatField(_("minimum pressure"), help_text=_("m"))
    pressure_mean_m = models.FloatField(_("mean pressure"), help_text=_("m"))
    at_hour = models.PositiveSmallIntegerField(
        _("hour of the minimum"), default=0, help_text=_("hours from the start of the run")
    )
    delivered_share = models.FloatField(
        _("demand delivered"),
        null=True,
        blank=True,
        help_text=_("Share of the demand the network delivered over the run (0–1)."),
    )
    below_minimum = models.BooleanField(
        _("below the minimum service pressure"),
        default=False,
        help_text=_("The lowest pressure is below the run's minimum service pressure."),
    )

    objects = ScopedManager("node__county")

    class Meta:
        ordering = ["run", "node"]
        verbose_name = _("node pressure")
        verbose_name_plural = _("node pressures")
        constraints = [
            models.UniqueConstraint(fields=["run", "node"], name="nodepressure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.node_id} {self.pressure_min_m:.1f} m"

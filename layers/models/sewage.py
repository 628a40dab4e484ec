"""Sewage treatment plants and their monthly operation records (GB 18918-2002 parameters)."""

from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from layers.models.base import InTown, LayerFeature, code_unique_in_county, non_negative
from layers.scope import ScopedManager

EFFLUENT_PARAMETERS = ("cod", "bod5", "ss", "nh3n", "tn", "tp")


class SewagePlant(LayerFeature, InTown):
    """A sewage plant; its town is derived from its location."""

    class Grade(models.TextChoices):
        G1A = "1A", _("Grade 1-A")
        G1B = "1B", _("Grade 1-B")
        G2 = "2", _("Grade 2")

    class Status(models.TextChoices):
        OPERATING = "operating", _("operating")
        BUILDING = "building", _("under construction")
        CLOSED = "closed", _("closed")

    geom = models.PointField(_("location"), srid=4326, spatial_index=True)
    design_capacity_m3d = models.FloatField(_("design capacity"), help_text=_("m³ per day"))
    effluent_grade = models.CharField(_("effluent grade"), max_length=2, choices=Grade.choices)
    built_on = models.DateField(_("built on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPERATING
    )

    class Meta(LayerFeature.Meta):
        verbose_name = _("sewage plant")
        verbose_name_plural = _("sewage plants")
        constraints = [
            code_unique_in_county("sewageplant"),
            models.CheckConstraint(
                condition=Q(design_capacity_m3d__gt=0), name="sewageplant_capacity_positive"
            ),
        ]


class SewagePlantMonth(models.Model):
    """A plant's month: treated volume, effluent concentrations (mg/L), temperature, reuse."""

    plant = models.ForeignKey(
        SewagePlant, verbose_name=_("plant"), on_delete=models.CASCADE, related_name="months"
    )
    month = models.DateField(_("month"), help_text=_("first day of the month"))
    treated_m3 = models.FloatField(_("treated volume"), help_text=_("m³ per month"))
    cod = models.FloatField(_("COD"), null=True, blank=True, help_text=_("mg/L"))
    bod5 = models.FloatField(_("BOD5"), null=True, blank=True, help_text=_("mg/L"))
    ss = models.FloatField(_("suspended solids"), null=True, blank=True, help_text=_("mg/L"))
    nh3n = models.FloatField(_("ammonia nitrogen"), null=True, blank=True, help_text=_("mg/L"))
    tn = models.FloatField(_("total nitrogen"), null=True, blank=True, help_text=_("mg/L"))
    tp = models.FloatField(_("total phosphorus"), null=True, blank=True, help_text=_("mg/L"))
    water_temp_c = models.FloatField(
        _("water temperature"), null=True, blank=True, help_text=_("°C")
    )
    reclaimed_m3 = models.FloatField(_("reclaimed water"), default=0, help_text=_("m³ per month"))

    objects = ScopedManager("plant__county")

    class Meta:
        ordering = ["plant__code", "month"]
        verbose_name = _("sewage plant month")
        verbose_name_plural = _("sewage plant months")
        constraints = [
            models.UniqueConstraint(fields=["plant", "month"], name="plantmonth_unique"),
            *non_negative("treated_m3", "reclaimed_m3", *EFFLUENT_PARAMETERS, prefix="plantmonth"),
            models.CheckConstraint(
                condition=Q(reclaimed_m3__lte=F("treated_m3")),
                name="plantmonth_reclaimed_le_treated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plant.code} {self.month:%Y-%m}"

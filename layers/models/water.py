"""Water-function zones (水功能区) and their water-quality samples (GB 3838-2002 parameters)."""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from layers.models.base import LayerFeature, code_unique_in_county, non_negative, valid_geometry
from layers.scope import ScopedManager

QUALITY_PARAMETERS = ("do", "codmn", "cod", "bod5", "nh3n", "tp", "tn")


class WaterFunctionZone(LayerFeature):
    """A water-function zone with its target class (I–V stored 1–5)."""

    class WaterBody(models.TextChoices):
        RIVER = "river", _("river")
        LAKE = "lake", _("lake or reservoir")

    river = models.CharField(_("river"), max_length=100, blank=True)
    level1_type = models.CharField(_("level-1 type"), max_length=50, blank=True)
    level2_type = models.CharField(_("level-2 type"), max_length=50, blank=True)
    water_body = models.CharField(_("water body"), max_length=10, choices=WaterBody.choices)
    target_class = models.PositiveSmallIntegerField(
        _("target class"), help_text=_("GB 3838-2002 class I–V stored as 1–5")
    )
    geom = models.MultiPolygonField(_("zone"), srid=4326, spatial_index=True)

    class Meta(LayerFeature.Meta):
        verbose_name = _("water-function zone")
        verbose_name_plural = _("water-function zones")
        constraints = [
            valid_geometry("wfz"),
            code_unique_in_county("wfz"),
            models.CheckConstraint(
                condition=Q(target_class__gte=1, target_class__lte=5), name="wfz_target_class_1_5"
            ),
        ]


class WaterQualitySample(models.Model):
    """One sample of a zone; a parameter left empty was not measured (never read as zero)."""

    zone = models.ForeignKey(
        WaterFunctionZone, verbose_name=_("zone"), on_delete=models.CASCADE, related_name="samples"
    )
    sampled_on = models.DateField(_("sampled on"))
    do = models.FloatField(_("dissolved oxygen"), null=True, blank=True, help_text=_("mg/L"))
    codmn = models.FloatField(_("permanganate index"), null=True, blank=True, help_text=_("mg/L"))
    cod = models.FloatField(_("COD"), null=True, blank=True, help_text=_("mg/L"))
    bod5 = models.FloatField(_("BOD5"), null=True, blank=True, help_text=_("mg/L"))
    nh3n = models.FloatField(_("ammonia nitrogen"), null=True, blank=True, help_text=_("mg/L"))
    tp = models.FloatField(_("total phosphorus"), null=True, blank=True, help_text=_("mg/L"))
    tn = models.FloatField(_("total nitrogen"), null=True, blank=True, help_text=_("mg/L"))

    objects = ScopedManager("zone__county")

    class Meta:
        ordering = ["zone__code", "sampled_on"]
        verbose_name = _("water-quality sample")
        verbose_name_plural = _("water-quality samples")
        constraints = [
            models.UniqueConstraint(fields=["zone", "sampled_on"], name="wqs_unique"),
            *non_negative(*QUALITY_PARAMETERS, prefix="wqs"),
        ]

    def __str__(self) -> str:
        return f"{self.zone.code} {self.sampled_on}"

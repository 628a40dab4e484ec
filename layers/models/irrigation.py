"""Irrigation districts (灌区) and their yearly water records."""

from django.contrib.gis.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from layers.models.base import (
    InTown,
    LayerFeature,
    code_unique_in_county,
    non_negative,
    valid_geometry,
)
from layers.scope import ScopedManager


class IrrigationDistrict(LayerFeature, InTown):
    """An irrigation district; areas in 亩 (1 亩 = 666.67 m²)."""

    class Size(models.TextChoices):
        LARGE = "large", _("large")
        MEDIUM = "medium", _("medium")
        SMALL = "small", _("small")

    size = models.CharField(_("size"), max_length=10, choices=Size.choices)
    design_area_mu = models.FloatField(
        _("design irrigated area"), null=True, blank=True, help_text=_("亩")
    )
    effective_area_mu = models.FloatField(_("effective irrigated area"), help_text=_("亩"))
    efficient_area_mu = models.FloatField(
        _("efficient-irrigation area"), default=0, help_text=_("亩 under pipe, sprinkler or drip")
    )
    main_crop = models.CharField(_("main crop"), max_length=40, blank=True)
    geom = models.MultiPolygonField(_("district"), srid=4326, spatial_index=True)

    class Meta(LayerFeature.Meta):
        verbose_name = _("irrigation district")
        verbose_name_plural = _("irrigation districts")
        constraints = [
            valid_geometry("irrdistrict"),
            code_unique_in_county("irrdistrict"),
            *non_negative(
                "design_area_mu", "effective_area_mu", "efficient_area_mu", prefix="irrdistrict"
            ),
        ]


class IrrigationRecord(models.Model):
    """A district's water for one year: withdrawal, net water to fields, metered share."""

    district = models.ForeignKey(
        IrrigationDistrict,
        verbose_name=_("district"),
        on_delete=models.CASCADE,
        related_name="records",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    gross_withdrawal_m3 = models.FloatField(_("gross withdrawal"), help_text=_("m³ per year"))
    net_field_m3 = models.FloatField(_("net water to fields"), help_text=_("m³ per year"))
    irrigated_area_mu = models.FloatField(_("irrigated area"), help_text=_("亩"))
    metered_withdrawal_m3 = models.FloatField(
        _("metered withdrawal"), null=True, blank=True, help_text=_("m³ per year")
    )

    objects = ScopedManager("district__county")

    class Meta:
        ordering = ["district__code", "year"]
        verbose_name = _("irrigation record")
        verbose_name_plural = _("irrigation records")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="irrrecord_unique"),
            *non_negative(
                "gross_withdrawal_m3",
                "net_field_m3",
                "irrigated_area_mu",
                "metered_withdrawal_m3",
                prefix="irrrecord",
            ),
            # Water reaching the fields cannot exceed what was withdrawn.
            models.CheckConstraint(
                condition=Q(net_field_m3__lte=F("gross_withdrawal_m3")),
                name="irrrecord_net_le_gross",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district.code} {self.year}"

"""Administrative areas (province → city → county → town), yearly statistics, data versions."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from layers.models.base import non_negative, valid_geometry
from layers.scope import AreaScopedManager, ScopedManager


class AdminArea(models.Model):
    """An administrative area with a GB/T 2260-style code (e.g. 441882 county, 441882100 town)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        COUNTY = "county", _("county")
        TOWN = "town", _("town")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    geom = models.MultiPolygonField(_("boundary"), srid=4326, spatial_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AreaScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")
        constraints = [valid_geometry("adminarea")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AreaYearStats(models.Model):
    """Yearly statistics of an area: population, GDP, industrial value added, water-use cap,
    abstractions by source and industrial water use."""

    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.CASCADE, related_name="stats"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    population = models.PositiveIntegerField(
        _("population"), null=True, blank=True, help_text=_("persons")
    )
    gdp_10k_yuan = models.FloatField(_("GDP"), null=True, blank=True, help_text=_("10,000 yuan"))
    industrial_value_added_10k_yuan = models.FloatField(
        _("industrial value added"), null=True, blank=True, help_text=_("10,000 yuan")
    )
    water_use_cap_m3 = models.FloatField(
        _("water-use cap"), null=True, blank=True, help_text=_("m³ per year")
    )
    # Abstractions by source (取水量), as the water-resources bulletin reports them: the area's
    # total water use is their sum; end users' consumption is the cross-check.
    abstraction_surface_m3 = models.FloatField(
        _("self-supplied surface abstraction"),
        null=True,
        blank=True,
        help_text=_("m³ per year, irrigation included; the water works' intake excluded"),
    )
    abstraction_groundwater_m3 = models.FloatField(
        _("self-supplied groundwater abstraction"),
        null=True,
        blank=True,
        help_text=_("m³ per year; the water works' wells excluded"),
    )
    abstraction_public_supply_m3 = models.FloatField(
        _("public water works' abstraction"),
        null=True,
        blank=True,
        help_text=_("m³ per year taken by the public water works from rivers, reservoirs, wells"),
    )
    abstraction_nonconventional_m3 = models.FloatField(
        _("non-conventional water used"),
        null=True,
        blank=True,
        help_text=_("m³ per year: reclaimed water, harvested rainwater"),
    )
    industrial_use_m3 = models.FloatField(
        _("industrial water use"),
        null=True,
        blank=True,
        help_text=_("m³ per year, as the water-resources bulletin reports it"),
    )

    objects = ScopedManager(area_path="area")

    class Meta:
        ordering = ["area__code", "year"]
        verbose_name = _("area statistics")
        verbose_name_plural = _("area statistics")
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="areayearstats_unique"),
            *non_negative(
                "gdp_10k_yuan",
                "industrial_value_added_10k_yuan",
                "water_use_cap_m3",
                "abstraction_surface_m3",
                "abstraction_groundwater_m3",
                "abstraction_public_supply_m3",
                "abstraction_nonconventional_m3",
                "industrial_use_m3",
                prefix="areayearstats",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area.code} {self.year}"


class LayerVersion(models.Model):
    """A counter per layer slug (or record kind) that every write bumps; caches key on it."""

    key = models.CharField(_("layer or record kind"), max_length=40, primary_key=True)
    version = models.BigIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"

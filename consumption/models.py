"""Water users (取用水户) and their monthly consumption."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from layers.models.base import (
    InTown,
    LayerFeature,
    code_unique_in_county,
    county_id_index,
    non_negative,
    web_mercator,
    web_mercator_index,
)
from layers.scope import ScopedManager


class WaterUser(LayerFeature, InTown):
    """A metered water user; town and supply zone are derived from its location."""

    class Sector(models.TextChoices):
        AGRICULTURE = "agriculture", _("agriculture")
        INDUSTRY = "industry", _("industry")
        SERVICES = "services", _("services")
        PUBLIC_INSTITUTION = "public_institution", _("public institution")
        RESIDENTIAL = "residential", _("residential")
        ECOLOGICAL = "ecological", _("ecological")

    class Source(models.TextChoices):
        PUBLIC_NETWORK = "public_network", _("public supply network")
        SURFACE = "surface", _("surface water")
        GROUNDWATER = "groundwater", _("groundwater")

    geom = models.PointField(_("location"), srid=4326, spatial_index=True)
    geom_3857 = web_mercator(models.PointField)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.PUBLIC_NETWORK
    )
    annual_plan_m3 = models.FloatField(
        _("annual plan"), null=True, blank=True, help_text=_("m³ per year; empty = no plan")
    )
    supply_zone = models.ForeignKey(
        "network.SupplyZone",
        verbose_name=_("supply zone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Derived from the location."),
    )

    class Meta(LayerFeature.Meta):
        db_table = "layers_wateruser"  # the table from before the app split
        indexes = [web_mercator_index("wateruser"), county_id_index("wateruser")]
        verbose_name = _("water user")
        verbose_name_plural = _("water users")
        constraints = [
            code_unique_in_county("wateruser"),
            *non_negative("annual_plan_m3", prefix="wateruser"),
        ]


class Consumption(models.Model):
    """A user's metered (or estimated) use in one month."""

    user = models.ForeignKey(
        WaterUser, verbose_name=_("user"), on_delete=models.CASCADE, related_name="consumption"
    )
    month = models.DateField(_("month"), help_text=_("first day of the month"))
    volume_m3 = models.FloatField(_("volume"), help_text=_("m³ per month"))
    metered = models.BooleanField(_("metered"), default=True)

    objects = ScopedManager("user__county")

    class Meta:
        db_table = "layers_consumption"  # the table from before the app split
        ordering = ["user__code", "month"]
        verbose_name = _("consumption")
        verbose_name_plural = _("consumption")
        constraints = [
            models.UniqueConstraint(fields=["user", "month"], name="consumption_unique"),
            *non_negative("volume_m3", prefix="consumption"),
        ]
        indexes = [models.Index(fields=["month"], name="consumption_month_idx")]

    def __str__(self) -> str:
        return f"{self.user.code} {self.month:%Y-%m}"


class ConsumptionTotal(models.Model):
    """Monthly consumption summed per county, town, supply zone, sector, source and whether
    the user has a plan; kept exact on every write by database triggers (consumption/storage.py),
    never written by the application."""

    county = models.ForeignKey(
        "layers.AdminArea",
        verbose_name=_("county"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        db_index=False,  # the keys' unique index leads with it
    )
    town = models.ForeignKey(
        "layers.AdminArea",
        verbose_name=_("town"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    supply_zone = models.ForeignKey(
        "network.SupplyZone",
        verbose_name=_("supply zone"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    month = models.DateField(_("month"))
    sector = models.CharField(_("sector"), max_length=20)
    source = models.CharField(_("source"), max_length=20)
    planned = models.BooleanField(_("has an annual plan"))
    volume_m3 = models.DecimalField(
        _("volume"), max_digits=24, decimal_places=6, help_text=_("m³ per month")
    )
    records = models.IntegerField(_("records"))

    objects = ScopedManager()

    class Meta:
        db_table = "consumption_total"
        verbose_name = _("consumption total")
        verbose_name_plural = _("consumption totals")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "town", "supply_zone", "month", "sector", "source", "planned"],
                name="consumption_total_keys",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(fields=["month"], name="consumption_total_month_idx"),
            # A county's months (the scoped reader's rows, a district's county profile): read
            # without touching other counties' rows; sector checked in the index.
            models.Index(
                fields=["county", "month", "sector"], name="consumption_total_county_month"
            ),
        ]


class DistrictShare(models.Model):
    """The share of an irrigation district's area inside a town (overlap area ÷ district area,
    on the spheroid): how the town view spreads the district's records. Kept equal to the live
    intersection on every write to towns or districts by database triggers
    (consumption/storage.py), never written by the application."""

    town = models.ForeignKey(
        "layers.AdminArea",
        verbose_name=_("town"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    district = models.ForeignKey(
        "layers.IrrigationDistrict",
        verbose_name=_("irrigation district"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    share = models.FloatField(
        _("share of the district"), null=True, help_text=_("overlap area ÷ district area")
    )

    class Meta:
        db_table = "consumption_district_share"
        verbose_name = _("irrigation district share of a town")
        verbose_name_plural = _("irrigation district shares of towns")
        constraints = [
            models.UniqueConstraint(fields=["town", "district"], name="district_share_keys")
        ]


class UserTotal(models.Model):
    """Water users counted per county, town, supply zone, sector and source, with the sum of
    their annual plans; kept exact on every write to the users by database triggers
    (consumption/storage.py), never written by the application."""

    county = models.ForeignKey(
        "layers.AdminArea",
        verbose_name=_("county"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        db_index=False,  # the keys' unique index leads with it
    )
    town = models.ForeignKey(
        "layers.AdminArea",
        verbose_name=_("town"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    supply_zone = models.ForeignKey(
        "network.SupplyZone",
        verbose_name=_("supply zone"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    sector = models.CharField(_("sector"), max_length=20)
    source = models.CharField(_("source"), max_length=20)
    users = models.IntegerField(_("water users"))
    planned_users = models.IntegerField(_("users with an annual plan"))
    annual_plan_m3 = models.DecimalField(
        _("annual plans"), max_digits=24, decimal_places=6, help_text=_("m³ per year")
    )

    objects = ScopedManager()

    class Meta:
        db_table = "consumption_user_total"
        verbose_name = _("water user total")
        verbose_name_plural = _("water user totals")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "town", "supply_zone", "sector", "source"],
                name="consumption_user_total_keys",
                nulls_distinct=False,
            )
        ]

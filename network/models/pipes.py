"""The water-supply network: supply zones (DMA), their yearly water balance, pipes, nodes, leaks."""

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from layers.models.base import (
    InCounty,
    InTown,
    LayerFeature,
    code_unique_in_county,
    county_id_index,
    non_negative,
    valid_geometry,
    web_mercator,
    web_mercator_index,
)
from layers.scope import ScopedManager


class SupplyZone(LayerFeature):
    """A supply zone / district metered area (供水分区) run by a water company."""

    company = models.CharField(_("water company"), max_length=200, blank=True)
    geom = models.MultiPolygonField(_("zone"), srid=4326, spatial_index=True)

    class Meta(LayerFeature.Meta):
        db_table = "layers_supplyzone"  # the table from before the app split
        verbose_name = _("supply zone")
        verbose_name_plural = _("supply zones")
        constraints = [valid_geometry("supplyzone"), code_unique_in_county("supplyzone")]


class WaterBalance(models.Model):
    """A supply zone's yearly water balance: the CJJ 92-2016 inputs."""

    zone = models.ForeignKey(
        SupplyZone, verbose_name=_("supply zone"), on_delete=models.CASCADE, related_name="balances"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    system_input_m3 = models.FloatField(_("system input volume"), help_text=_("m³ per year"))
    billed_authorized_m3 = models.FloatField(
        _("billed authorised consumption"), help_text=_("m³ per year")
    )
    unbilled_authorized_m3 = models.FloatField(
        _("unbilled authorised consumption"), help_text=_("m³ per year")
    )
    household_metered_residential_m3 = models.FloatField(
        _("residential use metered to households"), help_text=_("m³ per year")
    )
    mean_outlet_pressure_mpa = models.FloatField(_("mean outlet pressure"), help_text=_("MPa"))
    max_frost_depth_m = models.FloatField(_("maximum frost depth"), default=0, help_text=_("m"))

    objects = ScopedManager("zone__county")

    class Meta:
        db_table = "layers_waterbalance"  # the table from before the app split
        ordering = ["zone__code", "year"]
        verbose_name = _("water balance")
        verbose_name_plural = _("water balances")
        constraints = [
            models.UniqueConstraint(fields=["zone", "year"], name="waterbalance_unique"),
            *non_negative(
                "system_input_m3",
                "billed_authorized_m3",
                "unbilled_authorized_m3",
                "household_metered_residential_m3",
                "mean_outlet_pressure_mpa",
                "max_frost_depth_m",
                prefix="waterbalance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone.code} {self.year}"


class PipeNode(InTown, InCounty):
    """A node of the network: junction, valve, hydrant, meter, source, plant or end cap."""

    class Kind(models.TextChoices):
        JUNCTION = "junction", _("junction")
        VALVE = "valve", _("valve")
        HYDRANT = "hydrant", _("hydrant")
        METER = "meter", _("meter")
        SOURCE = "source", _("source")
        PLANT = "plant", _("plant")
        END_CAP = "end_cap", _("end cap")

    code = models.CharField(_("code"), max_length=32, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.JUNCTION)
    geom = models.PointField(_("location"), srid=4326, spatial_index=True)
    geom_3857 = web_mercator(models.PointField)
    elevation_m = models.FloatField(_("elevation"), null=True, blank=True, help_text=_("m"))
    # db_default: the import and the topology binding insert nodes in SQL.
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        db_default=1,
        help_text=_("Optimistic locking: bumped by every edit."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "layers_pipenode"  # the table from before the app split
        ordering = ["code"]
        constraints = [code_unique_in_county("pipenode")]
        indexes = [web_mercator_index("pipenode"), county_id_index("pipenode")]
        verbose_name = _("pipe node")
        verbose_name_plural = _("pipe nodes")

    def __str__(self) -> str:
        return f"{self.code} ({self.get_kind_display()})"


class PipeSegment(InTown, InCounty):
    """A pipe segment between two nodes; `version` guards against lost concurrent edits."""

    class Material(models.TextChoices):
        PE = "PE", _("polyethylene")
        PVC = "PVC", _("PVC")
        DUCTILE_IRON = "ductile_iron", _("ductile iron")
        STEEL = "steel", _("steel")
        CAST_IRON = "cast_iron", _("grey cast iron")
        CONCRETE = "concrete", _("concrete")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("in service")
        ABANDONED = "abandoned", _("abandoned")
        PLANNED = "planned", _("planned")

    code = models.CharField(_("code"), max_length=32, db_index=True)
    geom = models.LineStringField(_("route"), srid=4326, spatial_index=True)
    geom_3857 = web_mercator(models.LineStringField)
    start_node = models.ForeignKey(
        PipeNode,
        verbose_name=_("start node"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_node = models.ForeignKey(
        PipeNode,
        verbose_name=_("end node"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    diameter_mm = models.PositiveIntegerField(_("diameter"), help_text=_("mm (DN)"))
    material = models.CharField(_("material"), max_length=15, choices=Material.choices)
    install_year = models.PositiveSmallIntegerField(_("install year"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_SERVICE
    )
    length_m = models.FloatField(
        _("length"), default=0, help_text=_("m, computed on the ellipsoid from the route")
    )
    supply_zone = models.ForeignKey(
        SupplyZone,
        verbose_name=_("supply zone"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pipes",
        help_text=_("Derived from the route."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "layers_pipesegment"  # the table from before the app split
        ordering = ["code"]
        # Each thinning rule of the tiles (network/layer_specs.py: DN300 and up at z12 and
        # below, DN200 at z13, DN100 at z14) reads its own small index: at z13 a seq scan of
        # every pipe (13 ms) became a bitmap scan of the DN200+ ones (2.3 ms) on the demo.
        indexes = [
            web_mercator_index("pipe"),
            web_mercator_index("pipe", diameter_mm__gte=300),
            web_mercator_index("pipe", name="pipe_g3857_dn200", diameter_mm__gte=200),
            web_mercator_index("pipe", name="pipe_g3857_dn100", diameter_mm__gte=100),
            county_id_index("pipe"),
        ]
        verbose_name = _("pipe segment")
        verbose_name_plural = _("pipe segments")
        constraints = [
            valid_geometry("pipe"),
            code_unique_in_county("pipe"),
            models.CheckConstraint(
                condition=Q(diameter_mm__gt=0, diameter_mm__lte=4000),
                name="pipe_diameter_plausible",
            ),
            # Topology: a pipe in service is bound to its two end nodes.
            models.CheckConstraint(
                condition=~Q(status="in_service")
                | Q(start_node__isnull=False, end_node__isnull=False),
                name="pipe_in_service_has_nodes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} DN{self.diameter_mm}"


class LeakRecord(models.Model):
    """A leak found on a pipe (漏损记录台账): where, when found and repaired, estimated loss."""

    pipe = models.ForeignKey(
        PipeSegment, verbose_name=_("pipe"), on_delete=models.CASCADE, related_name="leaks"
    )
    geom = models.PointField(_("location"), srid=4326, spatial_index=True)
    found_on = models.DateField(_("found on"))
    repaired_on = models.DateField(_("repaired on"), null=True, blank=True)
    estimated_loss_m3 = models.FloatField(_("estimated loss"), default=0, help_text=_("m³"))
    cause = models.CharField(_("cause"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        db_default=1,
        help_text=_("Optimistic locking: bumped by every edit."),
    )

    objects = ScopedManager("pipe__county")

    class Meta:
        db_table = "layers_leakrecord"  # the table from before the app split
        ordering = ["-found_on"]
        verbose_name = _("leak record")
        verbose_name_plural = _("leak records")
        constraints = [
            *non_negative("estimated_loss_m3", prefix="leak"),
            models.CheckConstraint(
                condition=Q(repaired_on__isnull=True) | Q(repaired_on__gte=models.F("found_on")),
                name="leak_repaired_after_found",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pipe.code} {self.found_on}"

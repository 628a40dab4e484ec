"""Abstract bases and constraint helpers shared by the layer models."""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from layers.scope import ScopedManager


def non_negative(*fields: str, prefix: str) -> list[models.CheckConstraint]:
    """One CHECK (field >= 0 OR field IS NULL) per field: volumes, areas, concentrations."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__gte": 0}) | Q(**{f"{name}__isnull": True}),
            name=f"{prefix}_{name}_non_negative",
        )
        for name in fields
    ]


def valid_geometry(prefix: str) -> models.CheckConstraint:
    """CHECK (ST_IsValid(geom)): the database refuses an invalid geometry whoever writes it."""
    return models.CheckConstraint(condition=Q(geom__isvalid=True), name=f"{prefix}_geom_valid")


def web_mercator(field_class: type[models.GeometryField]) -> models.GeneratedField:
    """`geom` in EPSG:3857, stored beside it and kept equal by PostgreSQL (a generated column):
    vector tiles filter and clip it directly, with its own GiST index, instead of transforming
    every row of every tile (the tiles' hot path, layers/tiles.py)."""
    return models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=field_class(srid=3857, spatial_index=False),
        db_persist=True,
        verbose_name=_("location (web mercator)"),
    )


def web_mercator_index(prefix: str, name: str = "", **condition) -> GistIndex:
    """The GiST index of `geom_3857`; a condition makes a partial index (e.g. the mains a
    county-wide tile draws); `name` when several share the condition's columns."""
    suffix = "_".join(["g3857", *condition]) if condition else "g3857"
    return GistIndex(
        fields=["geom_3857"],
        name=name or f"{prefix}_{suffix}"[:30],
        condition=Q(**condition) or None,
    )


def county_id_index(prefix: str) -> models.Index:
    """A btree on (county, id): one county's rows in id order, the walk of a county member's
    feature page (layers/selectors_window.py). It also serves every lookup by county alone."""
    return models.Index(fields=["county", "id"], name=f"{prefix}_county_id")


def code_unique_in_county(prefix: str) -> models.UniqueConstraint:
    """Codes are unique within a county, not across counties (issue 19): a province holds many
    counties' deliveries, each numbered its own way. Features in no county share one space."""
    return models.UniqueConstraint(
        fields=["county", "code"], name=f"{prefix}_code_in_county", nulls_distinct=False
    )


class InCounty(models.Model):
    """A feature that belongs to a county, derived from its geometry by the database
    (layers/county_triggers.py); the area scope (layers/scope.py) filters on it."""

    county = models.ForeignKey(
        "layers.AdminArea",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("Derived from the geometry; not edited by hand."),
        # Every feature table leads an index with the county: (county, code) unique, and
        # (county, id) for the large ones; a column index of its own would only cost writes.
        db_index=False,
    )

    objects = ScopedManager()

    class Meta:
        abstract = True


class LayerFeature(InCounty):
    """A feature of a map layer: natural key `code` (unique in its county), a name,
    timestamps. Geometry in subclasses."""

    code = models.CharField(_("code"), max_length=32, db_index=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta(InCounty.Meta):
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class InTown(models.Model):
    """A feature that belongs to a town, derived from its geometry by the membership service."""

    town = models.ForeignKey(
        "layers.AdminArea",
        verbose_name=_("town"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Derived from the geometry; not edited by hand."),
    )

    class Meta:
        abstract = True

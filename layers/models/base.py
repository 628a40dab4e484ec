"""Abstract bases and constraint helpers shared by the layer models."""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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


class LayerFeature(models.Model):
    """A feature of a map layer: natural key `code`, a name, timestamps. Geometry in subclasses."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
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

"""Major roads (主要道路): a context layer for orientation on every map; no rule judges them."""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from layers.models.base import LayerFeature, code_unique_in_county, valid_geometry


class RoadGrade(models.TextChoices):
    """Road grades, highest first (the order of the map's legend and of labels)."""

    EXPRESSWAY = "expressway", _("expressway")
    NATIONAL = "national", _("national road")
    PROVINCIAL = "provincial", _("provincial road")
    COUNTY = "county", _("county road")


class Road(LayerFeature):
    """A major road (expressway, national, provincial or county road) as one line.

    `code` is the route number where it has one ("G55", "G323", "X801"); a road crossing the
    county in several pieces is filed as one feature per piece, all with the same name.
    """

    Grade = RoadGrade

    grade = models.CharField(
        _("grade"),
        max_length=12,
        choices=Grade.choices,
        help_text=_(
            "expressway, or the road's administrative grade (national, provincial, county)"
        ),
    )
    geom = models.LineStringField(_("route"), srid=4326, spatial_index=True)

    class Meta(LayerFeature.Meta):
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        constraints = [
            valid_geometry("road"),
            code_unique_in_county("road"),
            models.CheckConstraint(
                condition=models.Q(grade__in=RoadGrade.values),
                name="road_grade_known",
            ),
        ]

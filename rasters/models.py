"""Raster layers (terrain, rainfall, land use): a GeoTIFF under MEDIA_ROOT and its metadata."""

from django.contrib.gis.db import models
from django.core.validators import RegexValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class RasterLayer(models.Model):
    """A single-band GeoTIFF registered by `import_raster`: where it is, what it measures.

    The file lives at MEDIA_ROOT/<path>; its colour ramp or class table comes from the style
    file styles/raster-<slug>.json. `data_version` grows with every import of the slug: caches
    (overlay PNGs, zonal statistics) key on it.
    """

    class Kind(models.TextChoices):
        CONTINUOUS = "continuous", _("continuous")
        CATEGORICAL = "categorical", _("categorical")

    slug = models.SlugField(
        _("slug"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", _("Lower-case letters, digits, -."))],
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100)
    unit = models.CharField(
        _("unit"), max_length=20, blank=True, help_text=_("e.g. m, mm; empty for classes")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    path = models.CharField(
        _("file"), max_length=255, help_text=_("GeoTIFF path relative to MEDIA_ROOT")
    )
    srid = models.PositiveIntegerField(_("CRS (EPSG code)"), help_text=_("allow-listed EPSG code"))
    width = models.PositiveIntegerField(_("width"), help_text=_("cells"))
    height = models.PositiveIntegerField(_("height"), help_text=_("cells"))
    transform = models.JSONField(
        _("geotransform"), help_text=_("affine a, b, c, d, e, f in the raster's CRS units")
    )
    bounds = models.JSONField(
        _("bounds"), help_text=_("west, south, east, north in the raster's CRS units")
    )
    extent = models.PolygonField(
        _("extent"), srid=4326, spatial_index=True, help_text=_("the raster's footprint, lon/lat")
    )
    resolution = models.JSONField(
        _("resolution"), help_text=_("cell width and height in the raster's CRS units")
    )
    dtype = models.CharField(_("data type"), max_length=16)
    nodata = models.FloatField(_("nodata value"), null=True, blank=True)
    statistics = models.JSONField(_("statistics"), default=dict, blank=True)
    source = models.TextField(_("source"), blank=True, help_text=_("origin of the data"))
    file_bytes = models.PositiveBigIntegerField(_("file size"), help_text=_("bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    data_version = models.PositiveIntegerField(_("data version"), default=1)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        db_table = "layers_rasterlayer"  # the table from before the app split
        ordering = ["slug"]
        verbose_name = _("raster layer")
        verbose_name_plural = _("raster layers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["continuous", "categorical"]),
                name="rasterlayer_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug} ({self.title_zh})"

    @property
    def title(self) -> str:
        """The title in the active language (Chinese unless English is active)."""
        return self.title_en if (get_language() or "").startswith("en") else self.title_zh

    @property
    def categorical(self) -> bool:
        return self.kind == self.Kind.CATEGORICAL

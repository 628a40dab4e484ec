"""The models that moved here from `layers` (state only: same tables, no data moved)."""

import django.contrib.gis.db.models.fields
import django.core.validators
from django.db import migrations, models

from layers.migration_tools import content_types_moved, state_only


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("layers", "0006_models_move_to_their_apps"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        state_only(
            migrations.CreateModel(
                name="RasterLayer",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    (
                        "slug",
                        models.SlugField(
                            max_length=32,
                            unique=True,
                            validators=[
                                django.core.validators.RegexValidator(
                                    "^[a-z0-9][a-z0-9-]*$", "Lower-case letters, digits, -."
                                )
                            ],
                            verbose_name="slug",
                        ),
                    ),
                    ("title_zh", models.CharField(max_length=100, verbose_name="title (Chinese)")),
                    ("title_en", models.CharField(max_length=100, verbose_name="title (English)")),
                    (
                        "unit",
                        models.CharField(
                            blank=True,
                            help_text="e.g. m, mm; empty for classes",
                            max_length=20,
                            verbose_name="unit",
                        ),
                    ),
                    (
                        "kind",
                        models.CharField(
                            choices=[("continuous", "continuous"), ("categorical", "categorical")],
                            max_length=12,
                            verbose_name="kind",
                        ),
                    ),
                    (
                        "path",
                        models.CharField(
                            help_text="GeoTIFF path relative to MEDIA_ROOT",
                            max_length=255,
                            verbose_name="file",
                        ),
                    ),
                    (
                        "srid",
                        models.PositiveIntegerField(
                            help_text="allow-listed EPSG code", verbose_name="CRS (EPSG code)"
                        ),
                    ),
                    ("width", models.PositiveIntegerField(help_text="cells", verbose_name="width")),
                    (
                        "height",
                        models.PositiveIntegerField(help_text="cells", verbose_name="height"),
                    ),
                    (
                        "transform",
                        models.JSONField(
                            help_text="affine a, b, c, d, e, f in the raster's CRS units",
                            verbose_name="geotransform",
                        ),
                    ),
                    (
                        "bounds",
                        models.JSONField(
                            help_text="west, south, east, north in the raster's CRS units",
                            verbose_name="bounds",
                        ),
                    ),
                    (
                        "extent",
                        django.contrib.gis.db.models.fields.PolygonField(
                            help_text="the raster's footprint, lon/lat",
                            srid=4326,
                            verbose_name="extent",
                        ),
                    ),
                    (
                        "resolution",
                        models.JSONField(
                            help_text="cell width and height in the raster's CRS units",
                            verbose_name="resolution",
                        ),
                    ),
                    ("dtype", models.CharField(max_length=16, verbose_name="data type")),
                    (
                        "nodata",
                        models.FloatField(blank=True, null=True, verbose_name="nodata value"),
                    ),
                    (
                        "statistics",
                        models.JSONField(blank=True, default=dict, verbose_name="statistics"),
                    ),
                    (
                        "source",
                        models.TextField(
                            blank=True, help_text="origin of the data", verbose_name="source"
                        ),
                    ),
                    (
                        "file_bytes",
                        models.PositiveBigIntegerField(help_text="bytes", verbose_name="file size"),
                    ),
                    ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                    (
                        "data_version",
                        models.PositiveIntegerField(default=1, verbose_name="data version"),
                    ),
                    (
                        "imported_at",
                        models.DateTimeField(auto_now=True, verbose_name="imported at"),
                    ),
                ],
                options={
                    "verbose_name": "raster layer",
                    "verbose_name_plural": "raster layers",
                    "db_table": "layers_rasterlayer",
                    "ordering": ["slug"],
                    "constraints": [
                        models.CheckConstraint(
                            condition=models.Q(("kind__in", ["continuous", "categorical"])),
                            name="rasterlayer_kind_valid",
                        )
                    ],
                },
            ),
        ),
        content_types_moved("layers", "rasters", ("rasterlayer",)),
    ]

"""The models that moved here from `layers` (state only: same tables, no data moved)."""

import django.contrib.gis.db.models.fields
import django.db.models.deletion
from django.db import migrations, models

from layers.migration_tools import content_types_moved, state_only


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("layers", "0006_models_move_to_their_apps"),
        ("network", "0001_initial"),
    ]

    operations = [
        state_only(
            migrations.CreateModel(
                name="WaterUser",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                    ("name", models.CharField(blank=True, max_length=200, verbose_name="name")),
                    (
                        "created_at",
                        models.DateTimeField(auto_now_add=True, verbose_name="created at"),
                    ),
                    ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                    (
                        "geom",
                        django.contrib.gis.db.models.fields.PointField(
                            srid=4326, verbose_name="location"
                        ),
                    ),
                    (
                        "sector",
                        models.CharField(
                            choices=[
                                ("agriculture", "agriculture"),
                                ("industry", "industry"),
                                ("services", "services"),
                                ("public_institution", "public institution"),
                                ("residential", "residential"),
                                ("ecological", "ecological"),
                            ],
                            max_length=20,
                            verbose_name="sector",
                        ),
                    ),
                    (
                        "source",
                        models.CharField(
                            choices=[
                                ("public_network", "public supply network"),
                                ("surface", "surface water"),
                                ("groundwater", "groundwater"),
                            ],
                            default="public_network",
                            max_length=20,
                            verbose_name="source",
                        ),
                    ),
                    (
                        "annual_plan_m3",
                        models.FloatField(
                            blank=True,
                            help_text="m³ per year; empty = no plan",
                            null=True,
                            verbose_name="annual plan",
                        ),
                    ),
                    (
                        "carrier",
                        models.CharField(
                            blank=True,
                            choices=[
                                ("", "not recognised"),
                                ("enterprise", "water-saving enterprise"),
                                ("institution", "water-saving institution"),
                                ("community", "water-saving residential community"),
                            ],
                            default="",
                            max_length=12,
                            verbose_name="water-saving carrier",
                        ),
                    ),
                    (
                        "carrier_year",
                        models.PositiveSmallIntegerField(
                            blank=True, null=True, verbose_name="recognised in"
                        ),
                    ),
                    (
                        "supply_zone",
                        models.ForeignKey(
                            blank=True,
                            help_text="Derived from the location.",
                            null=True,
                            on_delete=django.db.models.deletion.SET_NULL,
                            related_name="users",
                            to="network.supplyzone",
                            verbose_name="supply zone",
                        ),
                    ),
                    (
                        "town",
                        models.ForeignKey(
                            blank=True,
                            help_text="Derived from the geometry; not edited by hand.",
                            null=True,
                            on_delete=django.db.models.deletion.SET_NULL,
                            related_name="+",
                            to="layers.adminarea",
                            verbose_name="town",
                        ),
                    ),
                ],
                options={
                    "verbose_name": "water user",
                    "verbose_name_plural": "water users",
                    "db_table": "layers_wateruser",
                    "ordering": ["code"],
                    "abstract": False,
                },
            ),
            migrations.CreateModel(
                name="Consumption",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    (
                        "month",
                        models.DateField(help_text="first day of the month", verbose_name="month"),
                    ),
                    (
                        "volume_m3",
                        models.FloatField(help_text="m³ per month", verbose_name="volume"),
                    ),
                    ("metered", models.BooleanField(default=True, verbose_name="metered")),
                    (
                        "user",
                        models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="consumption",
                            to="consumption.wateruser",
                            verbose_name="user",
                        ),
                    ),
                ],
                options={
                    "verbose_name": "consumption",
                    "verbose_name_plural": "consumption",
                    "db_table": "layers_consumption",
                    "ordering": ["user__code", "month"],
                },
            ),
            migrations.AddConstraint(
                model_name="wateruser",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        ("annual_plan_m3__gte", 0),
                        ("annual_plan_m3__isnull", True),
                        _connector="OR",
                    ),
                    name="wateruser_annual_plan_m3_non_negative",
                ),
            ),
            migrations.AddIndex(
                model_name="consumption",
                index=models.Index(fields=["month"], name="consumption_month_idx"),
            ),
            migrations.AddConstraint(
                model_name="consumption",
                constraint=models.UniqueConstraint(
                    fields=("user", "month"), name="consumption_unique"
                ),
            ),
            migrations.AddConstraint(
                model_name="consumption",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        ("volume_m3__gte", 0), ("volume_m3__isnull", True), _connector="OR"
                    ),
                    name="consumption_volume_m3_non_negative",
                ),
            ),
        ),
        content_types_moved("layers", "consumption", ("wateruser", "consumption")),
    ]

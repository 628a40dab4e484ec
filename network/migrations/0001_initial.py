"""The models that moved here from `layers` (state only: same tables, no data moved)."""

import django.contrib.gis.db.models.fields
import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from layers.migration_tools import content_types_moved, state_only


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("layers", "0006_models_move_to_their_apps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        state_only(
            migrations.CreateModel(
                name="PipeNode",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                    (
                        "kind",
                        models.CharField(
                            choices=[
                                ("junction", "junction"),
                                ("valve", "valve"),
                                ("hydrant", "hydrant"),
                                ("meter", "meter"),
                                ("source", "source"),
                                ("plant", "plant"),
                                ("end_cap", "end cap"),
                            ],
                            default="junction",
                            max_length=10,
                            verbose_name="kind",
                        ),
                    ),
                    (
                        "geom",
                        django.contrib.gis.db.models.fields.PointField(
                            srid=4326, verbose_name="location"
                        ),
                    ),
                    (
                        "elevation_m",
                        models.FloatField(
                            blank=True, help_text="m", null=True, verbose_name="elevation"
                        ),
                    ),
                    (
                        "version",
                        models.PositiveIntegerField(
                            db_default=1,
                            default=1,
                            help_text="Optimistic locking: bumped by every edit.",
                            verbose_name="version",
                        ),
                    ),
                    ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
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
                    "verbose_name": "pipe node",
                    "verbose_name_plural": "pipe nodes",
                    "db_table": "layers_pipenode",
                    "ordering": ["code"],
                },
            ),
            migrations.CreateModel(
                name="SupplyZone",
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
                        "company",
                        models.CharField(blank=True, max_length=200, verbose_name="water company"),
                    ),
                    (
                        "geom",
                        django.contrib.gis.db.models.fields.MultiPolygonField(
                            srid=4326, verbose_name="zone"
                        ),
                    ),
                ],
                options={
                    "verbose_name": "supply zone",
                    "verbose_name_plural": "supply zones",
                    "db_table": "layers_supplyzone",
                    "ordering": ["code"],
                    "abstract": False,
                    "constraints": [
                        models.CheckConstraint(
                            condition=models.Q(("geom__isvalid", True)),
                            name="supplyzone_geom_valid",
                        )
                    ],
                },
            ),
            migrations.CreateModel(
                name="PipeSegment",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                    (
                        "geom",
                        django.contrib.gis.db.models.fields.LineStringField(
                            srid=4326, verbose_name="route"
                        ),
                    ),
                    (
                        "diameter_mm",
                        models.PositiveIntegerField(help_text="mm (DN)", verbose_name="diameter"),
                    ),
                    (
                        "material",
                        models.CharField(
                            choices=[
                                ("PE", "polyethylene"),
                                ("PVC", "PVC"),
                                ("ductile_iron", "ductile iron"),
                                ("steel", "steel"),
                                ("cast_iron", "grey cast iron"),
                                ("concrete", "concrete"),
                                ("other", "other"),
                            ],
                            max_length=15,
                            verbose_name="material",
                        ),
                    ),
                    (
                        "install_year",
                        models.PositiveSmallIntegerField(
                            blank=True, null=True, verbose_name="install year"
                        ),
                    ),
                    (
                        "status",
                        models.CharField(
                            choices=[
                                ("in_service", "in service"),
                                ("abandoned", "abandoned"),
                                ("planned", "planned"),
                            ],
                            default="in_service",
                            max_length=12,
                            verbose_name="status",
                        ),
                    ),
                    (
                        "length_m",
                        models.FloatField(
                            default=0,
                            help_text="m, computed on the ellipsoid from the route",
                            verbose_name="length",
                        ),
                    ),
                    ("version", models.PositiveIntegerField(default=1, verbose_name="version")),
                    ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                    (
                        "end_node",
                        models.ForeignKey(
                            blank=True,
                            null=True,
                            on_delete=django.db.models.deletion.PROTECT,
                            related_name="+",
                            to="network.pipenode",
                            verbose_name="end node",
                        ),
                    ),
                    (
                        "start_node",
                        models.ForeignKey(
                            blank=True,
                            null=True,
                            on_delete=django.db.models.deletion.PROTECT,
                            related_name="+",
                            to="network.pipenode",
                            verbose_name="start node",
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
                    (
                        "supply_zone",
                        models.ForeignKey(
                            blank=True,
                            help_text="Derived from the route.",
                            null=True,
                            on_delete=django.db.models.deletion.SET_NULL,
                            related_name="pipes",
                            to="network.supplyzone",
                            verbose_name="supply zone",
                        ),
                    ),
                ],
                options={
                    "verbose_name": "pipe segment",
                    "verbose_name_plural": "pipe segments",
                    "db_table": "layers_pipesegment",
                    "ordering": ["code"],
                },
            ),
            migrations.CreateModel(
                name="WaterBalance",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                    (
                        "system_input_m3",
                        models.FloatField(
                            help_text="m³ per year", verbose_name="system input volume"
                        ),
                    ),
                    (
                        "billed_authorized_m3",
                        models.FloatField(
                            help_text="m³ per year", verbose_name="billed authorised consumption"
                        ),
                    ),
                    (
                        "unbilled_authorized_m3",
                        models.FloatField(
                            help_text="m³ per year", verbose_name="unbilled authorised consumption"
                        ),
                    ),
                    (
                        "household_metered_residential_m3",
                        models.FloatField(
                            help_text="m³ per year",
                            verbose_name="residential use metered to households",
                        ),
                    ),
                    (
                        "mean_outlet_pressure_mpa",
                        models.FloatField(help_text="MPa", verbose_name="mean outlet pressure"),
                    ),
                    (
                        "max_frost_depth_m",
                        models.FloatField(
                            default=0, help_text="m", verbose_name="maximum frost depth"
                        ),
                    ),
                    (
                        "zone",
                        models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="balances",
                            to="network.supplyzone",
                            verbose_name="supply zone",
                        ),
                    ),
                ],
                options={
                    "verbose_name": "water balance",
                    "verbose_name_plural": "water balances",
                    "db_table": "layers_waterbalance",
                    "ordering": ["zone__code", "year"],
                },
            ),
            migrations.CreateModel(
                name="IdempotentRequest",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    ("key", models.CharField(max_length=200, verbose_name="idempotency key")),
                    (
                        "fingerprint",
                        models.CharField(
                            help_text="SHA-256 of method, path, body",
                            max_length=64,
                            verbose_name="request fingerprint",
                        ),
                    ),
                    ("status_code", models.PositiveSmallIntegerField(verbose_name="status code")),
                    ("body", models.TextField(verbose_name="response body")),
                    ("content_type", models.CharField(max_length=100, verbose_name="content type")),
                    (
                        "created_at",
                        models.DateTimeField(
                            auto_now_add=True, db_index=True, verbose_name="created at"
                        ),
                    ),
                    (
                        "user",
                        models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            to=settings.AUTH_USER_MODEL,
                            verbose_name="user",
                        ),
                    ),
                ],
                options={
                    "verbose_name": "idempotent request",
                    "verbose_name_plural": "idempotent requests",
                    "db_table": "layers_idempotentrequest",
                    "constraints": [
                        models.UniqueConstraint(
                            fields=("user", "key"), name="idempotentrequest_unique"
                        )
                    ],
                },
            ),
            migrations.CreateModel(
                name="NetworkChange",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    (
                        "operation",
                        models.CharField(
                            choices=[
                                ("pipe_create", "pipe drawn"),
                                ("pipe_update", "pipe edited"),
                                ("pipe_move", "pipe moved"),
                                ("pipe_split", "pipe split"),
                                ("pipe_merge", "pipes merged"),
                                ("pipe_retire", "pipe retired"),
                                ("pipe_restore", "pipe restored"),
                                ("node_create", "node added"),
                                ("node_update", "node edited"),
                                ("node_move", "node moved"),
                                ("node_delete", "node deleted"),
                                ("revert", "change reverted"),
                            ],
                            max_length=20,
                            verbose_name="operation",
                        ),
                    ),
                    (
                        "created_at",
                        models.DateTimeField(
                            auto_now_add=True, db_index=True, verbose_name="changed at"
                        ),
                    ),
                    (
                        "pipe_ids",
                        django.contrib.postgres.fields.ArrayField(
                            base_field=models.BigIntegerField(),
                            blank=True,
                            default=list,
                            size=None,
                            verbose_name="pipe segments",
                        ),
                    ),
                    (
                        "node_ids",
                        django.contrib.postgres.fields.ArrayField(
                            base_field=models.BigIntegerField(),
                            blank=True,
                            default=list,
                            size=None,
                            verbose_name="pipe nodes",
                        ),
                    ),
                    (
                        "before",
                        models.JSONField(
                            default=dict, help_text="GeoJSON, EPSG:4326", verbose_name="before"
                        ),
                    ),
                    (
                        "after",
                        models.JSONField(
                            default=dict, help_text="GeoJSON, EPSG:4326", verbose_name="after"
                        ),
                    ),
                    (
                        "reverts",
                        models.ForeignKey(
                            blank=True,
                            null=True,
                            on_delete=django.db.models.deletion.SET_NULL,
                            related_name="reverted_by",
                            to="network.networkchange",
                            verbose_name="reverts",
                        ),
                    ),
                    (
                        "user",
                        models.ForeignKey(
                            blank=True,
                            null=True,
                            on_delete=django.db.models.deletion.SET_NULL,
                            related_name="+",
                            to=settings.AUTH_USER_MODEL,
                            verbose_name="user",
                        ),
                    ),
                ],
                options={
                    "verbose_name": "network change",
                    "verbose_name_plural": "network changes",
                    "db_table": "layers_networkchange",
                    "ordering": ["-created_at", "-id"],
                    "indexes": [
                        django.contrib.postgres.indexes.GinIndex(
                            fields=["pipe_ids"], name="networkchange_pipe_ids"
                        ),
                        django.contrib.postgres.indexes.GinIndex(
                            fields=["node_ids"], name="networkchange_node_ids"
                        ),
                    ],
                },
            ),
            migrations.CreateModel(
                name="PipeCrossing",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    (
                        "confirmed_at",
                        models.DateTimeField(
                            default=django.utils.timezone.now, verbose_name="confirmed at"
                        ),
                    ),
                    ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                    (
                        "confirmed_by",
                        models.ForeignKey(
                            blank=True,
                            null=True,
                            on_delete=django.db.models.deletion.SET_NULL,
                            related_name="+",
                            to=settings.AUTH_USER_MODEL,
                            verbose_name="confirmed by",
                        ),
                    ),
                    (
                        "pipe_a",
                        models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="+",
                            to="network.pipesegment",
                            verbose_name="pipe A",
                        ),
                    ),
                    (
                        "pipe_b",
                        models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="+",
                            to="network.pipesegment",
                            verbose_name="pipe B",
                        ),
                    ),
                ],
                options={
                    "verbose_name": "confirmed pipe crossing",
                    "verbose_name_plural": "confirmed pipe crossings",
                    "db_table": "layers_pipecrossing",
                    "ordering": ["pipe_a", "pipe_b"],
                    "constraints": [
                        models.UniqueConstraint(
                            fields=("pipe_a", "pipe_b"), name="pipecrossing_unique"
                        ),
                        models.CheckConstraint(
                            condition=models.Q(("pipe_a__lt", models.F("pipe_b"))),
                            name="pipecrossing_ordered",
                        ),
                    ],
                },
            ),
            migrations.CreateModel(
                name="LeakRecord",
                fields=[
                    (
                        "id",
                        models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                        ),
                    ),
                    (
                        "geom",
                        django.contrib.gis.db.models.fields.PointField(
                            srid=4326, verbose_name="location"
                        ),
                    ),
                    ("found_on", models.DateField(verbose_name="found on")),
                    (
                        "repaired_on",
                        models.DateField(blank=True, null=True, verbose_name="repaired on"),
                    ),
                    (
                        "estimated_loss_m3",
                        models.FloatField(default=0, help_text="m³", verbose_name="estimated loss"),
                    ),
                    ("cause", models.CharField(blank=True, max_length=200, verbose_name="cause")),
                    (
                        "recorded_by",
                        models.ForeignKey(
                            blank=True,
                            null=True,
                            on_delete=django.db.models.deletion.SET_NULL,
                            to=settings.AUTH_USER_MODEL,
                            verbose_name="recorded by",
                        ),
                    ),
                    (
                        "pipe",
                        models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="leaks",
                            to="network.pipesegment",
                            verbose_name="pipe",
                        ),
                    ),
                ],
                options={
                    "verbose_name": "leak record",
                    "verbose_name_plural": "leak records",
                    "db_table": "layers_leakrecord",
                    "ordering": ["-found_on"],
                    "constraints": [
                        models.CheckConstraint(
                            condition=models.Q(
                                ("estimated_loss_m3__gte", 0),
                                ("estimated_loss_m3__isnull", True),
                                _connector="OR",
                            ),
                            name="leak_estimated_loss_m3_non_negative",
                        ),
                        models.CheckConstraint(
                            condition=models.Q(
                                ("repaired_on__isnull", True),
                                ("repaired_on__gte", models.F("found_on")),
                                _connector="OR",
                            ),
                            name="leak_repaired_after_found",
                        ),
                    ],
                },
            ),
            migrations.AddConstraint(
                model_name="pipesegment",
                constraint=models.CheckConstraint(
                    condition=models.Q(("geom__isvalid", True)), name="pipe_geom_valid"
                ),
            ),
            migrations.AddConstraint(
                model_name="pipesegment",
                constraint=models.CheckConstraint(
                    condition=models.Q(("diameter_mm__gt", 0), ("diameter_mm__lte", 4000)),
                    name="pipe_diameter_plausible",
                ),
            ),
            migrations.AddConstraint(
                model_name="pipesegment",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        models.Q(("status", "in_service"), _negated=True),
                        models.Q(("end_node__isnull", False), ("start_node__isnull", False)),
                        _connector="OR",
                    ),
                    name="pipe_in_service_has_nodes",
                ),
            ),
            migrations.AddConstraint(
                model_name="waterbalance",
                constraint=models.UniqueConstraint(
                    fields=("zone", "year"), name="waterbalance_unique"
                ),
            ),
            migrations.AddConstraint(
                model_name="waterbalance",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        ("system_input_m3__gte", 0),
                        ("system_input_m3__isnull", True),
                        _connector="OR",
                    ),
                    name="waterbalance_system_input_m3_non_negative",
                ),
            ),
            migrations.AddConstraint(
                model_name="waterbalance",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        ("billed_authorized_m3__gte", 0),
                        ("billed_authorized_m3__isnull", True),
                        _connector="OR",
                    ),
                    name="waterbalance_billed_authorized_m3_non_negative",
                ),
            ),
            migrations.AddConstraint(
                model_name="waterbalance",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        ("unbilled_authorized_m3__gte", 0),
                        ("unbilled_authorized_m3__isnull", True),
                        _connector="OR",
                    ),
                    name="waterbalance_unbilled_authorized_m3_non_negative",
                ),
            ),
            migrations.AddConstraint(
                model_name="waterbalance",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        ("household_metered_residential_m3__gte", 0),
                        ("household_metered_residential_m3__isnull", True),
                        _connector="OR",
                    ),
                    name="waterbalance_household_metered_residential_m3_non_negative",
                ),
            ),
            migrations.AddConstraint(
                model_name="waterbalance",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        ("mean_outlet_pressure_mpa__gte", 0),
                        ("mean_outlet_pressure_mpa__isnull", True),
                        _connector="OR",
                    ),
                    name="waterbalance_mean_outlet_pressure_mpa_non_negative",
                ),
            ),
            migrations.AddConstraint(
                model_name="waterbalance",
                constraint=models.CheckConstraint(
                    condition=models.Q(
                        ("max_frost_depth_m__gte", 0),
                        ("max_frost_depth_m__isnull", True),
                        _connector="OR",
                    ),
                    name="waterbalance_max_frost_depth_m_non_negative",
                ),
            ),
        ),
        content_types_moved(
            "layers",
            "network",
            (
                "pipenode",
                "supplyzone",
                "pipesegment",
                "waterbalance",
                "idempotentrequest",
                "networkchange",
                "pipecrossing",
                "leakrecord",
            ),
        ),
    ]

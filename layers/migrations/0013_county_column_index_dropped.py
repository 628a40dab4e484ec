"""Feature tables lose their county column's own index: each leads an index with the
county already ((county, code) unique, (county, id) on the large ones)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0012_feature_reach"),
    ]

    operations = [
        # Only the column's own index goes: Django's AlterField would also drop and add the
        # foreign key again, validating it over the whole table.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    [
                        f'DROP INDEX IF EXISTS "{name}"'
                        for name in (
                            "layers_irrigationdistrict_county_id_a8799275",
                            "layers_road_county_id_abb2b592",
                            "layers_sewageplant_county_id_645aa70b",
                            "layers_waterfunctionzone_county_id_c21a82d8",
                        )
                    ],
                    reverse_sql=migrations.RunSQL.noop,
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="irrigationdistrict",
                    name="county",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        help_text="Derived from the geometry; not edited by hand.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="layers.adminarea",
                        verbose_name="county",
                    ),
                ),
                migrations.AlterField(
                    model_name="road",
                    name="county",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        help_text="Derived from the geometry; not edited by hand.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="layers.adminarea",
                        verbose_name="county",
                    ),
                ),
                migrations.AlterField(
                    model_name="sewageplant",
                    name="county",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        help_text="Derived from the geometry; not edited by hand.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="layers.adminarea",
                        verbose_name="county",
                    ),
                ),
                migrations.AlterField(
                    model_name="waterfunctionzone",
                    name="county",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        help_text="Derived from the geometry; not edited by hand.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="layers.adminarea",
                        verbose_name="county",
                    ),
                ),
            ],
        ),
    ]

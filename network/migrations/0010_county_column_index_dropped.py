"""Feature tables lose their county column's own index: each leads an index with the
county already ((county, code) unique, (county, id) on the large ones)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0013_county_column_index_dropped"),
        ("network", "0009_county_id_index"),
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
                            "layers_pipenode_county_id_25acb8e1",
                            "layers_pipesegment_county_id_6832a466",
                            "layers_supplyzone_county_id_5fa975da",
                        )
                    ],
                    reverse_sql=migrations.RunSQL.noop,
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="pipenode",
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
                    model_name="pipesegment",
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
                    model_name="supplyzone",
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

"""Feature tables lose their county column's own index: each leads an index with the
county already ((county, code) unique, (county, id) on the large ones)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consumption", "0008_county_id_index"),
        ("layers", "0013_county_column_index_dropped"),
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
                            "consumption_total_county_id_c7a56673",
                            "consumption_user_total_county_id_f3cba240",
                            "layers_wateruser_county_id_ed22cef5",
                        )
                    ],
                    reverse_sql=migrations.RunSQL.noop,
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="consumptiontotal",
                    name="county",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="layers.adminarea",
                        verbose_name="county",
                    ),
                ),
                migrations.AlterField(
                    model_name="usertotal",
                    name="county",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="layers.adminarea",
                        verbose_name="county",
                    ),
                ),
                migrations.AlterField(
                    model_name="wateruser",
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

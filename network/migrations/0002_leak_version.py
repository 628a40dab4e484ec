"""Leak records get a version (optimistic locking, as pipes and nodes have); the history
names leak and crossing-mark operations (and the import's)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="leakrecord",
            name="version",
            field=models.PositiveIntegerField(
                db_default=1,
                default=1,
                help_text="Optimistic locking: bumped by every edit.",
                verbose_name="version",
            ),
        ),
        migrations.AlterField(
            model_name="networkchange",
            name="operation",
            field=models.CharField(
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
                    ("import", "imported from a file"),
                    ("leak_record", "leak recorded"),
                    ("leak_update", "leak edited"),
                    ("leak_delete", "leak record removed"),
                    ("crossing_confirm", "crossing confirmed"),
                    ("crossing_delete", "crossing mark removed"),
                ],
                max_length=20,
                verbose_name="operation",
            ),
        ),
    ]

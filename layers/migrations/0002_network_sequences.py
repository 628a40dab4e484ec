"""A sequence for the codes of junction nodes created by snapping (J0000001, ...)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("layers", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS layers_pipenode_auto_code",
            "DROP SEQUENCE IF EXISTS layers_pipenode_auto_code",
        ),
    ]

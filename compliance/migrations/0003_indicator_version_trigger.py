"""Any write to an indicator (service, admin, SQL) makes every verdict stale; a stored
evaluation run moves the `verdicts` version (tiles and pages showing verdicts key on it)."""

from django.db import migrations

from layers.version_triggers import TrackDataVersion


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_alter_result_options"),
        ("layers", "0005_data_version_triggers"),
    ]

    operations = [
        TrackDataVersion("compliance_indicator", "indicators"),
        TrackDataVersion("compliance_evaluationrun", "verdicts"),
    ]

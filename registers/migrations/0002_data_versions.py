"""Data versions: every write to a register bumps its key, so no path leaves a verdict stale."""

from django.db import migrations

from layers.version_triggers import TrackDataVersion

TRACKED = {
    "registers_policydocument": "policy-documents",
    "registers_quotacheck": "quota-checks",
    "registers_constructionproject": "construction-projects",
    "registers_appliancesurvey": "appliance-surveys",
    "registers_publicityevent": "publicity-events",
}


class Migration(migrations.Migration):
    dependencies = [
        ("registers", "0001_initial"),
        ("layers", "0005_data_version_triggers"),
    ]

    operations = [TrackDataVersion(table, key) for table, key in TRACKED.items()]

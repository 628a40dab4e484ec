"""Any write to a hydraulic run (a run stored, an import, a deletion) bumps the data version
`hydraulic-runs`, so the supply zones' service-pressure verdicts go stale and are re-evaluated."""

from django.db import migrations

from layers.version_triggers import TrackDataVersion


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0004_scorecard_structure"),
        ("network", "0004_hydraulic_runs"),
        ("layers", "0005_data_version_triggers"),
    ]

    operations = [TrackDataVersion("network_hydraulicrun", "hydraulic-runs")]

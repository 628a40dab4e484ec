"""Where each county's features lie (layers/feature_reach.py): the feature page's window for
readers of more than one county."""

from django.db import migrations

from layers.feature_reach import KeepFeatureReach


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0011_county_rows_in_box"),
        ("network", "0009_county_id_index"),
        ("consumption", "0008_county_id_index"),
    ]

    operations = [KeepFeatureReach()]

"""Quota checks keep only the quota they name (see 0008)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registers", "0008_water_quotas")]

    operations = [
        migrations.RemoveConstraint(model_name="quotacheck", name="quotacheck_quota_pos"),
        migrations.RemoveField(model_name="quotacheck", name="quota_item"),
        migrations.RemoveField(model_name="quotacheck", name="quota_unit"),
        migrations.RemoveField(model_name="quotacheck", name="quota_value"),
        migrations.RemoveField(model_name="quotacheck", name="quota_source"),
        migrations.AlterField(
            model_name="quotacheck",
            name="quota",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="checks", to="registers.waterquota", verbose_name="quota"),
        ),
    ]

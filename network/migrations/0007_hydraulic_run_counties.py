"""A hydraulic run records the counties whose pipes it simulated (issue 19: runs are scoped to
the reader's area). Earlier runs take the counties of the nodes they stored pressures for."""

import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('network', '0006_web_mercator'),
    ]

    operations = [
        migrations.AddField(
            model_name='hydraulicrun',
            name='counties',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), blank=True, default=list, help_text='The counties whose pipes the run simulated (their ids): a user sees the run when their area holds all of them.', size=None, verbose_name='counties'),
        ),
        migrations.RunSQL(
            "UPDATE network_hydraulicrun r SET counties = coalesce(("
            " SELECT array_agg(DISTINCT n.county_id ORDER BY n.county_id)"
            " FROM network_nodepressure p JOIN layers_pipenode n ON n.id = p.node_id"
            " WHERE p.run_id = r.id AND n.county_id IS NOT NULL), '{}')",
            migrations.RunSQL.noop,
        ),
    ]

"""The verdict tables are vacuumed after a county's worth of rewritten rows, not a fifth of them.

An evaluation rewrites one county's verdicts for a year (compliance_result, and through its
triggers compliance_featurestatus: delete, then insert). With PostgreSQL's default scale factor
(20 % of the table) the dead versions of a re-evaluated county stay until a fifth of every
county's rows has changed, so with ten counties a re-evaluated county's tiles step over about
three old versions per feature they look up (the counties benchmark, issue 19: 8.5 buffers per
water user's status instead of 3). Vacuumed by count (about a county-year of results), the
tables' cost no longer grows with the number of counties they hold.
"""

from django.db import migrations

_TABLES = ("compliance_result", "compliance_featurestatus")
_SET = (
    "ALTER TABLE {} SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 500)"
)
_RESET = "ALTER TABLE {} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)"


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0006_feature_status"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[_SET.format(t) for t in _TABLES], reverse_sql=[_RESET.format(t) for t in _TABLES]
        ),
    ]

"""Data versions kept by the database: every tracked table bumps its key on any write."""

from django.db import migrations

from layers.version_triggers import DROP_FUNCTION_SQL, FUNCTION_SQL, TrackDataVersion

# table -> data-version key (layer slugs and record kinds, as the compliance dependencies use)
TRACKED = {
    "layers_adminarea": "towns",
    "layers_areayearstats": "area-stats",
    "layers_waterfunctionzone": "water-function-zones",
    "layers_waterqualitysample": "water-quality-samples",
    "layers_irrigationdistrict": "irrigation-districts",
    "layers_irrigationrecord": "irrigation-records",
    "layers_supplyzone": "supply-zones",
    "layers_waterbalance": "water-balance",
    "layers_pipesegment": "pipes",
    "layers_pipenode": "pipe-nodes",
    "layers_leakrecord": "leaks",
    "layers_sewageplant": "sewage-plants",
    "layers_sewageplantmonth": "sewage-plant-months",
    "layers_wateruser": "water-users",
    "layers_consumption": "consumption",
    "layers_rasterlayer": "rasters",
    "auth_group": "auth",
    "auth_user_groups": "auth",
    "auth_user_user_permissions": "auth",
    "auth_group_permissions": "auth",
}
# A login writes last_login: that changes nobody's access, so it does not bump `auth`.
AUTH_USER_COLUMNS = ("password", "username", "is_active", "is_staff", "is_superuser")


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0004_rasterlayer"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION_SQL, DROP_FUNCTION_SQL),
        *(TrackDataVersion(table, key) for table, key in TRACKED.items()),
        TrackDataVersion("auth_user", "auth", update_columns=AUTH_USER_COLUMNS),
    ]

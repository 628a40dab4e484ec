"""Water-use quotas as data (用水定额: item, unit, value, standard, clause, verified); a quota
check names its quota instead of copying it. Existing checks get a quota row each distinct
(item, unit, value, source) they carried, unverified; 0009 then drops the copies (two
migrations: PostgreSQL does not alter a table with pending deferred checks)."""

import django.db.models.deletion
from django.db import migrations, models

from layers.version_triggers import TrackDataVersion

SECTORS = {"industry": "industry", "services": "services", "public_institution": "services"}


def quotas_from_checks(apps, schema_editor):
    QuotaCheck = apps.get_model("registers", "QuotaCheck")
    WaterQuota = apps.get_model("registers", "WaterQuota")
    AdminArea = apps.get_model("layers", "AdminArea")
    county_id = AdminArea.objects.filter(level="county").values_list("id", flat=True).first()
    made = {}
    for check in QuotaCheck.objects.select_related("user__town").order_by("id"):
        town = check.user.town
        area_id = (town.parent_id or town.id) if town else county_id
        if area_id is None:
            raise RuntimeError(f"quota check {check.pk}: no area to file its quota under")
        key = (area_id, check.quota_item, check.quota_unit, check.quota_value, check.quota_source)
        if key not in made:
            made[key] = WaterQuota.objects.create(
                area_id=area_id,
                code=f"Q{len(made) + 1:03d}-{area_id}",
                sector=SECTORS.get(check.user.sector, "industry"),
                item=check.quota_item,
                unit=check.quota_unit,
                value=check.quota_value,
                standard=check.quota_source[:80],
                verified=False,
            )
        check.quota = made[key]
        check.save(update_fields=["quota"])


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0005_data_version_triggers"),
        ("registers", "0007_plan_tasks"),
    ]

    operations = [
        migrations.CreateModel(
            name="WaterQuota",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=60, unique=True, verbose_name="code")),
                ("sector", models.CharField(choices=[("agriculture", "Agriculture"), ("industry", "Industry"), ("services", "Services and public institutions"), ("domestic", "Domestic")], max_length=12, verbose_name="sector")),
                ("item", models.CharField(help_text="product or use", max_length=120, verbose_name="quota item")),
                ("unit", models.CharField(help_text="e.g. m³/t", max_length=30, verbose_name="quota unit")),
                ("value", models.FloatField(help_text="m³ per unit of output, in the quota unit", verbose_name="quota")),
                ("standard", models.CharField(help_text="e.g. DB44/T 1461.2-2021", max_length=80, verbose_name="standard")),
                ("clause", models.CharField(blank=True, max_length=80, verbose_name="table and row")),
                ("verified", models.BooleanField(default=False, help_text="checked against the published table", verbose_name="verified")),
                ("area", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="layers.adminarea", verbose_name="area")),
            ],
            options={
                "verbose_name": "water-use quota",
                "verbose_name_plural": "water-use quotas",
                "ordering": ["area", "sector", "code"],
                "constraints": [
                    models.UniqueConstraint(fields=("area", "code"), name="waterquota_unique"),
                    models.CheckConstraint(condition=models.Q(("value__gt", 0)), name="waterquota_value_pos"),
                ],
            },
        ),
        TrackDataVersion("registers_waterquota", "water-quotas"),
        migrations.AddField(
            model_name="quotacheck",
            name="quota",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="checks", to="registers.waterquota", verbose_name="quota"),
        ),
        migrations.RunPython(quotas_from_checks, migrations.RunPython.noop),
    ]

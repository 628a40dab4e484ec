"""Carrier recognitions as a register; the users' carrier and carrier_year are copied into it
(recognised on 1 January of the year; the year unknown: 2000) before consumption 0002 drops
them."""

import datetime as dt

import django.db.models.deletion
from django.db import migrations, models

from layers.version_triggers import TrackDataVersion


def carriers_from_users(apps, schema_editor):
    WaterUser = apps.get_model("consumption", "WaterUser")
    CarrierRecognition = apps.get_model("registers", "CarrierRecognition")
    CarrierRecognition.objects.bulk_create(
        CarrierRecognition(
            user_id=pk, kind=kind, recognised_on=dt.date(year or 2000, 1, 1)
        )
        for pk, kind, year in WaterUser.objects.exclude(carrier="").values_list(
            "id", "carrier", "carrier_year"
        )
    )


class Migration(migrations.Migration):

    dependencies = [
        ('consumption', '0001_initial'),
        ('registers', '0011_tariff_bands'),
    ]

    operations = [
        migrations.CreateModel(
            name='CarrierRecognition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('enterprise', 'water-saving enterprise'), ('institution', 'water-saving institution'), ('community', 'water-saving residential community')], max_length=12, verbose_name='carrier')),
                ('recognised_on', models.DateField(verbose_name='recognised on')),
                ('standard', models.CharField(blank=True, help_text='e.g. GB/T 7119-2018', max_length=120, verbose_name='standard')),
                ('certificate', models.CharField(blank=True, max_length=80, verbose_name='certificate number')),
                ('balance_test_on', models.DateField(blank=True, null=True, verbose_name='water-balance test on')),
                ('revoked_on', models.DateField(blank=True, help_text='empty: still recognised', null=True, verbose_name='revoked on')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='consumption.wateruser', verbose_name='water user')),
            ],
            options={
                'verbose_name': 'carrier recognition',
                'verbose_name_plural': 'carrier recognitions',
                'ordering': ['user', 'recognised_on'],
                'constraints': [models.UniqueConstraint(fields=('user', 'recognised_on'), name='carrier_unique'), models.CheckConstraint(condition=models.Q(('revoked_on__isnull', True), ('revoked_on__gt', models.F('recognised_on')), _connector='OR'), name='carrier_revoked_after_recognised')],
            },
        ),
        TrackDataVersion("registers_carrierrecognition", "carrier-recognitions"),
        migrations.RunPython(carriers_from_users, migrations.RunPython.noop),
    ]

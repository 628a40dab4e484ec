"""Carrier status moves to the carrier-recognitions register (registers 0012 copies it first)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('consumption', '0001_initial'),
        ('registers', '0012_carrier_recognitions'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='wateruser',
            name='carrier',
        ),
        migrations.RemoveField(
            model_name='wateruser',
            name='carrier_year',
        ),
    ]

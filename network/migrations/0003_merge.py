"""Merges the two migrations made side by side on 0001: leak versions and idempotency prints."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0002_idempotency_request_hash"),
        ("network", "0002_leak_version"),
    ]

    operations = []

"""Stored idempotent answers keep their request in parts (method, path, body hash without the
version, precondition), so that a key met with another request is refused with its reason."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="idempotentrequest",
            name="method",
            field=models.CharField(blank=True, default="", max_length=10, verbose_name="method"),
        ),
        migrations.AddField(
            model_name="idempotentrequest",
            name="path",
            field=models.CharField(blank=True, default="", max_length=2000, verbose_name="path"),
        ),
        migrations.AddField(
            model_name="idempotentrequest",
            name="body_hash",
            field=models.CharField(
                blank=True,
                default="",
                help_text="SHA-256 of the body without its version",
                max_length=64,
                verbose_name="body hash",
            ),
        ),
        migrations.AddField(
            model_name="idempotentrequest",
            name="precondition",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The version the request was made on: the body's version and If-Match",
                max_length=250,
                verbose_name="precondition",
            ),
        ),
    ]

"""Operations for migrations that move models between apps without moving any data."""

from __future__ import annotations

from django.db import migrations


def state_only(*operations) -> migrations.SeparateDatabaseAndState:
    """The operations change Django's model state only: the tables already exist as they are."""
    return migrations.SeparateDatabaseAndState(state_operations=list(operations))


def content_types_moved(
    from_app: str, to_app: str, models: tuple[str, ...]
) -> migrations.RunPython:
    """Existing content types (and so permissions and role grants) follow their models."""

    def forward(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        content_type.objects.filter(app_label=from_app, model__in=models).update(app_label=to_app)

    def backward(apps, schema_editor):
        content_type = apps.get_model("contenttypes", "ContentType")
        content_type.objects.filter(app_label=to_app, model__in=models).update(app_label=from_app)

    return migrations.RunPython(forward, backward)

"""Writes of the import app besides the imports themselves: saving a source's mapping."""

from __future__ import annotations

from django.db import transaction

from dataio.models import ImportMapping


@transaction.atomic
def import_mapping_save(
    *, name: str, source: str, target: str, mapping: dict, user, kind: str = "layer"
) -> ImportMapping:
    """Save (or replace, by name) a source's mapping for `target` (a layer, or a record kind),
    checked by the model's clean() (the validator of a mapping file); ValidationError names
    every problem."""
    saved = ImportMapping.objects.select_for_update().filter(name=name).first()
    if saved is None:
        saved = ImportMapping(name=name, created_by=user)
    saved.source = source or saved.source
    saved.target = target
    saved.kind = kind
    saved.mapping = mapping
    saved.full_clean()
    saved.save()
    return saved

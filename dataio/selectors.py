"""Reads of the import app: saved mappings by name and the ones offered for a target."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dataio.importing.errors import ImportFailed, RowError
from dataio.models import ImportMapping


def import_mappings_for(target: str) -> QuerySet[ImportMapping]:
    """The saved mappings a file for layer `target` may be read with: those made for it and
    CAD mappings whose rules name it (a drawing's mapping covers pipes and nodes alike)."""
    return ImportMapping.objects.filter(
        Q(target=target) | Q(mapping__cad__has_key=target)
    ).order_by("name")


def import_mapping_get(name: str, target: str) -> ImportMapping:
    """The saved mapping `name` for layer `target`; ImportFailed naming the ones there are."""
    found = import_mappings_for(target).filter(name=name).first()
    if found is None:
        names = ", ".join(import_mappings_for(target).values_list("name", flat=True)) or "none"
        raise ImportFailed(
            [RowError(0, "mapping", f"no saved mapping {name!r} for {target} (saved: {names})")]
        )
    return found

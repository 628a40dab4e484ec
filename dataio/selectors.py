"""Reads of the import app: saved mappings by name and the ones offered for a target."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dataio.importing.errors import ImportFailed, RowError
from dataio.models import ImportMapping


def import_mappings_for(target: str, *, kind: str = "layer") -> QuerySet[ImportMapping]:
    """The saved mappings a file for `target` (a layer slug, or a record kind when kind is
    "records") may be read with: those made for it and, for layers, CAD mappings whose rules
    name it (a drawing's mapping covers pipes and nodes alike)."""
    mine = Q(kind=kind, target=target)
    if kind == "layer":
        mine |= Q(kind=kind, mapping__cad__has_key=target)
    return ImportMapping.objects.filter(mine).order_by("name")


def import_mapping_get(name: str, target: str, *, kind: str = "layer") -> ImportMapping:
    """The saved mapping `name` for `target`; ImportFailed naming the ones there are."""
    found = import_mappings_for(target, kind=kind).filter(name=name).first()
    if found is None:
        saved = import_mappings_for(target, kind=kind).values_list("name", flat=True)
        names = ", ".join(saved) or "none"
        raise ImportFailed(
            [RowError(0, "mapping", f"no saved mapping {name!r} for {target} (saved: {names})")]
        )
    return found

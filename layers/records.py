"""Record kinds (yearly/monthly records of a feature or area), described once: their exact
headers, keys and checks. Each app registers its own kinds; import, export, versions read them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from layers.attributes import Attr


@dataclass(frozen=True)
class RecordKind:
    """One record kind: the parent it hangs off (by code), its columns and its natural key."""

    kind: str
    model: type[models.Model]
    parent_column: str  # the code column, e.g. zone_code
    parent_model: type[models.Model]
    parent_field: str  # the FK's db column, e.g. zone_id
    key: tuple[str, ...]  # other natural-key columns beside the parent
    columns: tuple[Attr, ...]
    checks: tuple[tuple[Callable[[dict], bool], str, str], ...] = ()

    @property
    def headers(self) -> list[str]:
        return [self.parent_column, *(a.name for a in self.columns)]


def le(small: str, large: str) -> Callable[[dict], bool]:
    return lambda r: r[small] is None or r[large] is None or r[small] <= r[large]


def mg_l(name: str) -> Attr:
    return Attr(name, "float", min_value=0)


def m3(name: str, required: bool = True) -> Attr:
    return Attr(name, "float", required=required, min_value=0)


RECORD_KINDS: dict[str, RecordKind] = {}


def record_kind_register(kind: RecordKind) -> None:
    """Add a record kind; from its app's AppConfig.ready()."""
    RECORD_KINDS[kind.kind] = kind

"""Extension points: apps above `layers` add feature properties here from AppConfig.ready().

This keeps dependencies one way (compliance → layers) while the layers API still serves, for
example, each feature's verdicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class FeatureQuery:
    """What a feature request asked for beyond the bbox and page."""

    year: int | None = None
    status: str | None = None


# (queryset, layer slug, query) -> (queryset with extra annotations, the annotation names)
FeatureAnnotator = Callable[[QuerySet, str, FeatureQuery], tuple[QuerySet, list[str]]]
_annotators: list[FeatureAnnotator] = []


def register_feature_annotator(annotator: FeatureAnnotator) -> None:
    """Add a provider of extra feature properties (idempotent)."""
    if annotator not in _annotators:
        _annotators.append(annotator)


def feature_annotators() -> tuple[FeatureAnnotator, ...]:
    return tuple(_annotators)


@dataclass(frozen=True)
class TileStatus:
    """A per-feature `status` for a tiled layer, and the year it shows: a relation
    `sql` (with `params`) of rows (key, status), joined to the layer's `column` (a LEFT JOIN:
    PostgreSQL hashes it or looks each key up, instead of a subquery per feature)."""

    year: int
    sql: str
    params: tuple
    column: str = "id"
    # True: look each feature's key up (the relation is large and indexed on key: it grows
    # with the counties, a tile's features do not); False: join the relation whole (small).
    lookup: bool = False


# (layer slug, year or None for the default) -> TileStatus, or None: nothing for that layer.
TileStatusProvider = Callable[[str, int | None], TileStatus | None]
_tile_status: list[TileStatusProvider] = []


def register_tile_status(provider: TileStatusProvider) -> None:
    """Add a provider of a per-feature `status` attribute for vector tiles (idempotent)."""
    if provider not in _tile_status:
        _tile_status.append(provider)


def tile_status(slug: str, year: int | None) -> TileStatus | None:
    """The first provider's status for the layer (None: the tiles carry no status)."""
    for provider in _tile_status:
        found = provider(slug, year)
        if found is not None:
            return found
    return None

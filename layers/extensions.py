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


# (layer slug, year) -> (SQL expression over the row alias `t` giving its status text, params),
# or None when the provider has nothing for that layer. Used by the vector tiles.
TileStatus = Callable[[str, int | None], tuple[str, list] | None]
_tile_status: list[TileStatus] = []


def register_tile_status(provider: TileStatus) -> None:
    """Add a provider of a per-feature `status` attribute for vector tiles (idempotent)."""
    if provider not in _tile_status:
        _tile_status.append(provider)


def tile_status_sql(slug: str, year: int | None) -> tuple[str, list]:
    """The first provider's status expression for the layer, or SQL NULL."""
    for provider in _tile_status:
        found = provider(slug, year)
        if found is not None:
            return found
    return "NULL::text", []

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
_annotation_names: list[str] = []


def register_feature_annotator(annotator: FeatureAnnotator, names: tuple[str, ...] = ()) -> None:
    """Add a provider of extra feature properties (idempotent); `names`: the properties it
    adds, so that a client may ask for them by name before any query runs."""
    if annotator not in _annotators:
        _annotators.append(annotator)
    _annotation_names.extend(n for n in names if n not in _annotation_names)


def feature_annotators() -> tuple[FeatureAnnotator, ...]:
    return tuple(_annotators)


def feature_annotation_names() -> tuple[str, ...]:
    """The property names the registered annotators add (e.g. `compliance`)."""
    return tuple(_annotation_names)


@dataclass(frozen=True)
class FeatureVerdicts:
    """What a lean feature page shows of a year's verdicts: each feature's overall status,
    looked up by feature id in `sql` (with `params`: a relation of (key, status) rows, one per
    feature at most; None: nothing judges the layer and every feature has no_data), and once
    for the page whether the stored verdicts are current (`fresh`) and when they were made."""

    year: int
    fresh: bool
    evaluated_at: str | None
    sql: str | None = None
    params: tuple = ()


# (layer slug, year or None for the default) -> FeatureVerdicts, or None: no verdicts at all.
FeatureVerdictsProvider = Callable[[str, int | None], FeatureVerdicts | None]
_feature_verdicts: list[FeatureVerdictsProvider] = []


def register_feature_verdicts(provider: FeatureVerdictsProvider) -> None:
    """Add a provider of the per-feature overall status of feature pages (idempotent)."""
    if provider not in _feature_verdicts:
        _feature_verdicts.append(provider)


def feature_verdicts(slug: str, year: int | None) -> FeatureVerdicts | None:
    """The first provider's verdicts for the layer (None: the pages carry no verdict)."""
    for provider in _feature_verdicts:
        found = provider(slug, year)
        if found is not None:
            return found
    return None


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

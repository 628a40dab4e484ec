"""What a layer is, described once: the LayerSpec every consumer reads (API, tiles, map page,
import, export, membership, consumption, compliance, tests).

Adding a layer = one model + one spec registered by its app (`layer_register` in
AppConfig.ready()) + one style file `styles/<slug>.json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from layers.attributes import Attr


@dataclass(frozen=True)
class TileRule:
    """Below `max_zoom` only features whose `column` passes the test are drawn (op '>=' | 'in')."""

    max_zoom: int
    column: str
    op: str
    value: object


@dataclass(frozen=True)
class TileSpec:
    """How a large layer is served as Mapbox vector tiles (too many features for GeoJSON)."""

    min_zoom: int  # the map draws the layer from this zoom on
    columns: tuple[str, ...]  # model fields carried as tile attributes (beside id, code)
    renamed: dict[str, str] = field(default_factory=dict)  # field -> attribute name
    hidden: tuple[str, object] | None = None  # (field, value) left out unless ?all=1
    generalise: tuple[TileRule, ...] = ()  # coarsest first


@dataclass(frozen=True)
class LayerSpec:
    """How one layer is stored, imported, exported, served and drawn."""

    slug: str
    model: type[models.Model]
    title: str
    geometry_type: str  # 'Point' | 'LineString' | 'Polygon' (stored as MultiPolygon)
    attrs: tuple[Attr, ...]  # import/export attributes with their validation rules
    order: int  # position in layer lists and on the map (lower first)
    filters: dict = field(default_factory=dict)  # rows of the model that belong to the layer
    properties: dict[str, str] = field(default_factory=dict)  # extra GeoJSON props: ORM paths
    tile: TileSpec | None = None
    default_on: bool = True  # drawn when the map opens
    # Derived zone membership kept by layers/services/membership.py: (FK column, zone slug).
    memberships: tuple[tuple[str, str], ...] = ()
    # (field, value) a feature takes when retired (an import's retire-missing; never deleted).
    retired: tuple[str, object] | None = None

    @property
    def attr_names(self) -> list[str]:
        return [a.name for a in self.attrs]

    @property
    def version_key(self) -> str:
        """The data-version key a write to this layer bumps (database trigger)."""
        return self.slug

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def style_file(self) -> str:
        return f"{self.slug}.json"

    def queryset(self):
        return self.model.objects.filter(**self.filters)

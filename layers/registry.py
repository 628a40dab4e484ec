"""The layer registry: every LayerSpec, registered once by the app that owns the layer."""

from __future__ import annotations

from layers.attributes import Attr
from layers.spec import LayerSpec, TileRule, TileSpec

__all__ = ["LAYERS", "Attr", "LayerSpec", "TileRule", "TileSpec", "layer_register", "layer_spec"]

# slug -> spec, in map order. The same dict object for the whole process: modules that imported
# it see every later registration.
LAYERS: dict[str, LayerSpec] = {}


def layer_register(spec: LayerSpec) -> None:
    """Add (or replace) a layer; from its app's AppConfig.ready()."""
    specs = {**LAYERS, spec.slug: spec}
    LAYERS.clear()
    LAYERS.update(sorted(specs.items(), key=lambda item: (item[1].order, item[0])))


def layer_unregister(slug: str) -> None:
    """Remove a layer (tests that add a throw-away one)."""
    LAYERS.pop(slug, None)


def layer_spec(slug: str) -> LayerSpec:
    """The spec of a layer slug; KeyError names the known slugs."""
    try:
        return LAYERS[slug]
    except KeyError:
        raise KeyError(f"unknown layer {slug!r}; known: {', '.join(LAYERS)}") from None

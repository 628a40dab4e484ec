"""Raster style files (`styles/raster-<slug>.json`): a colour ramp or a class table. Pure.

Read and validated through `layers.styles` like every style file (the Leaflet page fetches
them from /static/styles/, the overlay renderer reads them here)::

    {
      "slug": "elevation",                  # the raster's slug; the file is raster-<slug>.json
      "title_zh": "地形高程", "title_en": "Terrain elevation",
      "kind": "continuous",                 # continuous | categorical
      "unit": "m",                          # shown with every value; "" for class rasters
      "opacity": 0.7,                       # the overlay's default opacity, 0–1
      "ramp": [                             # continuous: >= 2 stops, values strictly ascending;
        {"value": 100, "color": "#1a9850"}, #   colours are interpolated linearly between stops
        {"value": 1500, "color": "#f7f7f7"}
      ],
      "classes": [                          # categorical: one entry per class value (integers)
        {"value": 1, "code": "paddy", "label_zh": "水田", "label_en": "Paddy field",
         "color": "#4daf4a"}
      ]
    }

A raster without a style file is drawn with `default_style()` (a grey ramp over its own
minimum and maximum, or one colour per class value).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

RASTER_PREFIX = "raster-"
KINDS = ("continuous", "categorical")
_KEYS = {"slug", "title_zh", "title_en", "kind", "unit", "opacity", "ramp", "classes"}
_REQUIRED = ("slug", "title_zh", "title_en", "kind", "unit")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_STOP_KEYS = {"value", "color"}
_CLASS_KEYS = {"value", "code", "label_zh", "label_en", "color"}
# Colours for class rasters without a style file (ColorBrewer Set1, then repeated).
_PALETTE = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#ffff33", "#a65628")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _text(data: dict, key: str, where: str) -> list[str]:
    value = data.get(key)
    if key in data and not (isinstance(value, str) and value.strip()):
        return [f"{where}{key}: must be non-empty text"]
    return []


def _check_colour(value: Any, where: str) -> list[str]:
    if not isinstance(value, str) or not _COLOUR.match(value):
        return [f"{where}: {value!r} is not a colour '#rrggbb'"]
    return []


def _check_ramp(ramp: Any) -> list[str]:
    if not isinstance(ramp, list) or len(ramp) < 2:
        return ["ramp: must be a list of at least two {value, color} stops"]
    errors, previous = [], None
    for index, stop in enumerate(ramp):
        where = f"ramp[{index}]"
        if not isinstance(stop, dict):
            errors.append(f"{where}: must be an object")
            continue
        errors += [f"{where}: unknown key {k!r}" for k in stop if k not in _STOP_KEYS]
        errors += [f"{where}: missing required key {k!r}" for k in _STOP_KEYS if k not in stop]
        errors += _check_colour(stop.get("color"), f"{where}.color") if "color" in stop else []
        value = stop.get("value")
        if "value" in stop and not _is_number(value):
            errors.append(f"{where}.value: {value!r} is not a number")
        elif _is_number(value):
            if previous is not None and value <= previous:
                errors.append(f"{where}.value: {value!r} does not ascend from {previous!r}")
            previous = value
    return errors


def _check_classes(classes: Any) -> list[str]:
    if not isinstance(classes, list) or not classes:
        return ["classes: must be a non-empty list of {value, code, label_zh, label_en, color}"]
    errors, values, codes = [], set(), set()
    for index, entry in enumerate(classes):
        where = f"classes[{index}]"
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be an object")
            continue
        errors += [f"{where}: unknown key {k!r}" for k in entry if k not in _CLASS_KEYS]
        errors += [
            f"{where}: missing required key {k!r}" for k in sorted(_CLASS_KEYS) if k not in entry
        ]
        errors += _text(entry, "label_zh", f"{where}.") + _text(entry, "label_en", f"{where}.")
        errors += _check_colour(entry.get("color"), f"{where}.color") if "color" in entry else []
        value, code = entry.get("value"), entry.get("code")
        if "value" in entry and (not isinstance(value, int) or isinstance(value, bool)):
            errors.append(f"{where}.value: {value!r} is not a whole number")
        elif value in values:
            errors.append(f"{where}.value: {value!r} appears twice")
        values.add(value)
        if "code" in entry and not (isinstance(code, str) and _CODE.match(code)):
            errors.append(f"{where}.code: {code!r} is not a code such as 'dry_land'")
        elif code in codes:
            errors.append(f"{where}.code: {code!r} appears twice")
        codes.add(code)
    return errors


def validate_raster_style(data: Any, *, name: str = "style.json") -> list[str]:
    """Every problem of a raster style document, as '<name>: <where>: <problem>' (empty: valid)."""
    if not isinstance(data, dict):
        return [f"{name}: a raster style must be a JSON object"]
    errors = [
        f"unknown key {k!r} (known: {', '.join(sorted(_KEYS))})" for k in data if k not in _KEYS
    ]
    errors += [f"missing required key {k!r}" for k in _REQUIRED if k not in data]
    errors += _text(data, "title_zh", "") + _text(data, "title_en", "")
    if "unit" in data and not isinstance(data["unit"], str):
        errors.append(f"unit: {data['unit']!r} must be text ('' for none)")
    stem = name.removesuffix(".json").removeprefix(RASTER_PREFIX)
    if name.startswith(RASTER_PREFIX) and "slug" in data and data["slug"] != stem:
        errors.append(f"slug: {data['slug']!r} does not match the file name {name!r}")
    opacity = data.get("opacity", 1)
    if not _is_number(opacity) or not 0 <= opacity <= 1:
        errors.append(f"opacity: {opacity!r} is not a number within 0–1")
    kind = data.get("kind")
    if "kind" in data and kind not in KINDS:
        errors.append(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    elif kind == "continuous":
        errors += _check_ramp(data.get("ramp"))
        errors += ["classes: only categorical rasters have classes"] if "classes" in data else []
    elif kind == "categorical":
        errors += _check_classes(data.get("classes"))
        errors += ["ramp: only continuous rasters have a ramp"] if "ramp" in data else []
    return [f"{name}: {error}" for error in errors]


class RasterStyleError(ValueError):
    """A raster style file that cannot be used; `messages` says every reason."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def raster_style_file(directory: Path, slug: str) -> Path:
    return Path(directory) / f"{RASTER_PREFIX}{slug}.json"


def raster_style_for(slug: str, directory: Path) -> dict | None:
    """The validated style document of a raster, None when it has no file."""
    path = raster_style_file(directory, slug)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RasterStyleError([f"{path.name}: not valid UTF-8 JSON ({exc})"]) from None
    errors = validate_raster_style(data, name=path.name)
    if errors:
        raise RasterStyleError(errors)
    return data


def default_style(slug: str, kind: str, unit: str, statistics: dict) -> dict:
    """A style for a raster without a style file: grey ramp over its range, or class colours."""
    base = {"slug": slug, "title_zh": slug, "title_en": slug, "kind": kind, "unit": unit}
    if kind == "categorical":
        values = sorted(int(v) for v in (statistics.get("classes") or {}))
        classes = [
            {
                "value": v,
                "code": f"class_{v}".replace("-", "m"),
                "label_zh": f"类别 {v}",
                "label_en": f"class {v}",
                "color": _PALETTE[i % len(_PALETTE)],
            }
            for i, v in enumerate(values)
        ]
        return {**base, "opacity": 0.7, "classes": classes}
    low = float(statistics.get("min", 0.0))
    high = float(statistics.get("max", low + 1.0))
    high = high if high > low else low + 1.0
    ramp = [{"value": low, "color": "#f7f7f7"}, {"value": high, "color": "#252525"}]
    return {**base, "opacity": 0.7, "ramp": ramp}

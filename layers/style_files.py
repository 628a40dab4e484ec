"""The style files' schema: validation of styles/<slug>.json, compliance.json, _defaults.json
and raster styles (the format is described in layers/styles.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layers.status import VerdictStatus
from layers.styles_raster import RASTER_PREFIX, validate_raster_style

GEOMETRIES = ("Point", "LineString", "Polygon")
COMPLIANCE_FILE = "compliance.json"
DEFAULTS_FILE = "_defaults.json"
STATES = tuple(VerdictStatus.values)

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DASH = re.compile(r"^\d+(\.\d+)?([ ,]+\d+(\.\d+)?)*$")
NUMBER_TYPES = (int, float)

# Paint key → (kind, minimum, maximum); kind: colour | number | dash | cap | hatch.
PAINT_KEYS: dict[str, tuple[str, float | None, float | None]] = {
    "stroke_color": ("colour", None, None),
    "stroke_width": ("number", 0, 20),
    "stroke_opacity": ("number", 0, 1),
    "dash": ("dash", None, None),
    "line_cap": ("cap", None, None),
    "fill_color": ("colour", None, None),
    "fill_opacity": ("number", 0, 1),
    "radius": ("number", 1, 40),
    "hatch": ("hatch", None, None),
}
_FILL_KEYS = {"fill_color", "fill_opacity", "hatch"}
_HATCH_KEYS: dict[str, tuple[str, float | None, float | None]] = {
    "color": ("colour", None, None),
    "angle": ("number", 0, 180),
    "spacing": ("number", 2, 40),
    "width": ("number", 0.5, 20),
}
_LINE_CAPS = ("butt", "round", "square")

_LAYER_KEYS = {
    "slug",
    "title_zh",
    "title_en",
    "geometry",
    "label_field",
    "rules",
    "legend",
    "verdicts",
    "verdict_note_zh",
    "verdict_note_en",
}
_LAYER_REQUIRED = ("slug", "title_zh", "title_en", "geometry", "label_field", "legend")
# Paint keys each geometry must set on the layer itself (rules and swatches only override).
_PAINT_REQUIRED = {
    "Point": ("stroke_color", "stroke_width", "fill_color", "fill_opacity", "radius"),
    "LineString": ("stroke_color", "stroke_width"),
    "Polygon": ("stroke_color", "stroke_width", "fill_color", "fill_opacity"),
}
_RULE_KEYS = {"field", "equals", "in", "min", "max", "style"}
_LEGEND_KEYS = {"label_zh", "label_en", "when", "swatch"}
_COMPLIANCE_KEYS = {"title_zh", "title_en", "states"}
_STATE_REQUIRED = ("label_zh", "label_en", "stroke_color", "stroke_width", "fill_color")
# The paint keys the defaults file sets. None for dash and hatch (left out: none), nor for
# fill_color (left out: no fill in leaflet_options; the stroke colour on the Leaflet pages).
DEFAULT_KEYS = (
    "stroke_color",
    "stroke_width",
    "stroke_opacity",
    "line_cap",
    "fill_opacity",
    "radius",
)


class StyleError(ValueError):
    """A style file that cannot be used; `messages` says every reason."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class LayerExpectation:
    """What the layer registry says about a layer: geometry type and attributes.

    fields maps an attribute name to its kind ('str', 'int', 'float', ...) and choices.
    """

    geometry: str
    fields: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


# --- validation (pure) ---------------------------------------------------------------------


def _at(where: str, message: str) -> str:
    """'where: message', or the message alone at the document's top level."""
    return f"{where}: {message}" if where else message


def _unknown(data: dict, known: set[str], where: str) -> list[str]:
    return [
        _at(where, f"unknown key {key!r} (known: {', '.join(sorted(known))})")
        for key in data
        if key not in known
    ]


def _missing(data: dict, required: tuple[str, ...], where: str) -> list[str]:
    return [_at(where, f"missing required key {key!r}") for key in required if key not in data]


def _check_value(kind: str, low: float | None, high: float | None, value: Any, where: str):
    if kind == "colour":
        if not isinstance(value, str) or not _COLOUR.match(value):
            return [f"{where}: {value!r} is not a colour '#rrggbb'"]
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES):
            return [f"{where}: {value!r} is not a number"]
        if (low is not None and value < low) or (high is not None and value > high):
            return [f"{where}: {value!r} is outside {low:g}–{high:g}"]
    elif kind == "dash":
        if not isinstance(value, str) or not _DASH.match(value.strip()):
            return [f"{where}: {value!r} is not a dash pattern such as '8 4' (px)"]
    elif kind == "cap":
        if value not in _LINE_CAPS:
            return [f"{where}: {value!r} is not one of {', '.join(_LINE_CAPS)}"]
    elif kind == "hatch":
        if not isinstance(value, dict):
            return [f"{where}: must be an object with {', '.join(_HATCH_KEYS)}"]
        errors = _unknown(value, set(_HATCH_KEYS), where)
        errors += _missing(value, tuple(_HATCH_KEYS), where)
        for key, (sub_kind, sub_low, sub_high) in _HATCH_KEYS.items():
            if key in value:
                errors += _check_value(sub_kind, sub_low, sub_high, value[key], f"{where}.{key}")
        return errors
    return []


def _check_paint(paint: dict, where: str, geometry: str | None) -> list[str]:
    """Errors of the paint keys in `paint` (other keys are the caller's business)."""
    errors = []
    for key, value in paint.items():
        if key not in PAINT_KEYS:
            continue
        kind, low, high = PAINT_KEYS[key]
        errors += _check_value(kind, low, high, value, f"{where}.{key}" if where else key)
        if geometry == "LineString" and key in _FILL_KEYS:
            errors.append(f"{where or key}: {key!r} is not used by LineString layers")
        if geometry in ("LineString", "Polygon") and key == "radius":
            errors.append(f"{where or key}: 'radius' is only used by Point layers")
    return errors


def _check_rule(rule: Any, index: int, geometry: str | None, exp: LayerExpectation | None):
    where = f"rules[{index}]"
    if not isinstance(rule, dict):
        return [f"{where}: must be an object"]
    errors = _unknown(rule, _RULE_KEYS, where) + _missing(rule, ("field", "style"), where)
    tests = [key for key in ("equals", "in") if key in rule]
    has_range = "min" in rule or "max" in rule
    if len(tests) + has_range != 1:
        errors.append(f"{where}: needs exactly one test: 'equals', 'in', or 'min'/'max'")
    for bound in ("min", "max"):
        if bound in rule and (
            isinstance(rule[bound], bool) or not isinstance(rule[bound], NUMBER_TYPES)
        ):
            errors.append(f"{where}.{bound}: {rule[bound]!r} is not a number")
    if "in" in rule and not (isinstance(rule["in"], list) and rule["in"]):
        errors.append(f"{where}.in: must be a non-empty list")
    style = rule.get("style")
    if "style" in rule:
        if not isinstance(style, dict) or not style:
            errors.append(f"{where}.style: must be an object of paint keys")
        else:
            errors += _unknown(style, set(PAINT_KEYS), f"{where}.style")
            errors += _check_paint(style, f"{where}.style", geometry)
    name = rule.get("field")
    if exp is not None and isinstance(name, str):
        if name not in exp.fields:
            errors.append(
                f"{where}.field: {name!r} is not an attribute of the layer "
                f"(known: {', '.join(sorted(exp.fields))})"
            )
        else:
            kind, choices = exp.fields[name]
            values = [rule["equals"]] if "equals" in rule else rule.get("in") or []
            if choices and isinstance(values, list):
                errors += [
                    f"{where}: {value!r} is not a value of {name!r} (one of {', '.join(choices)})"
                    for value in values
                    if value not in choices
                ]
            if kind in ("int", "float") and isinstance(values, list):
                errors += [
                    f"{where}: {value!r} is not a number, and {name!r} is numeric"
                    for value in values
                    if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES)
                ]
            if has_range and kind not in ("int", "float"):
                errors.append(f"{where}: a 'min'/'max' range needs a numeric attribute")
    return errors


def rule_matches(rule: dict, properties: dict) -> bool:
    """Whether a feature with these properties takes the rule's style (a missing or null
    attribute matches no test; a range needs a number)."""
    value = properties.get(rule["field"])
    if value is None:
        return False
    if "equals" in rule:
        return value == rule["equals"]
    if "in" in rule:
        return value in rule["in"]
    if isinstance(value, bool) or not isinstance(value, NUMBER_TYPES):
        return False
    return ("min" not in rule or value >= rule["min"]) and (
        "max" not in rule or value < rule["max"]
    )


def _check_when(when: Any, where: str, exp: LayerExpectation | None) -> list[str]:
    """A legend entry's `when`: the attributes of a feature the swatch shows."""
    if not isinstance(when, dict):
        return [f'{where}: must be an object of attribute values, e.g. {{"status": "planned"}}']
    errors = []
    for name, value in when.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            errors.append(f"{where}.{name}: {value!r} is not a text or number value")
            continue
        if exp is None:
            continue
        if name not in exp.fields:
            errors.append(
                f"{where}.{name}: not an attribute of the layer "
                f"(known: {', '.join(sorted(exp.fields))})"
            )
            continue
        kind, choices = exp.fields[name]
        if choices and value not in choices:
            errors.append(f"{where}.{name}: {value!r} is not one of {', '.join(choices)}")
        if kind in ("int", "float") and not isinstance(value, NUMBER_TYPES):
            errors.append(f"{where}.{name}: {value!r} is not a number, and {name!r} is numeric")
    return errors


def _check_legend(
    entries: Any, geometry: str | None, exp: LayerExpectation | None = None
) -> list[str]:
    if not isinstance(entries, list) or not entries:
        return ["legend: must be a non-empty list of {label_zh, label_en, when}"]
    errors = []
    for index, entry in enumerate(entries):
        where = f"legend[{index}]"
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be an object")
            continue
        errors += _unknown(entry, _LEGEND_KEYS, where)
        errors += _missing(entry, ("label_zh", "label_en"), where)
        errors += _check_labels(entry, where)
        if "when" in entry and "swatch" in entry:
            errors.append(f"{where}: give either 'when' (drawn by the rules) or 'swatch', not both")
        if "when" in entry:
            errors += _check_when(entry["when"], f"{where}.when", exp)
            continue
        swatch = entry.get("swatch", {})
        if not isinstance(swatch, dict):
            errors.append(f"{where}.swatch: must be an object of paint keys")
            continue
        errors += _unknown(swatch, set(PAINT_KEYS), f"{where}.swatch")
        errors += _check_paint(swatch, f"{where}.swatch", geometry)
    return errors


def _check_legend_covers_rules(rules: list, entries: list) -> list[str]:
    """With `when` entries the legend is drawn by the rules themselves: every rule must show
    in some entry (or the map draws a look the legend never explains), and every entry with
    attributes must take some rule (or its swatch is the layer's plain look under a class
    name)."""
    whens = [e["when"] for e in entries if isinstance(e, dict) and isinstance(e.get("when"), dict)]
    if not whens:
        return []
    good = [r for r in rules if isinstance(r, dict) and "field" in r and "style" in r]
    errors = [
        f"rules[{index}]: no legend entry shows it; add an entry whose 'when' matches "
        f"({rule['field']!r})"
        for index, rule in enumerate(good)
        if not any(_safe_match(rule, when) for when in whens)
    ]
    for index, entry in enumerate(entries):
        when = entry.get("when") if isinstance(entry, dict) else None
        if isinstance(when, dict) and when and not any(_safe_match(r, when) for r in good):
            errors.append(f"legend[{index}].when: matches no rule, so it shows the plain look")
    return errors


def _safe_match(rule: dict, properties: dict) -> bool:
    try:
        return rule_matches(rule, properties)
    except (KeyError, TypeError):  # a malformed rule, reported by _check_rule
        return False


def _check_labels(data: dict, where: str, keys=("label_zh", "label_en")) -> list[str]:
    return [
        f"{where + '.' if where else ''}{key}: must be non-empty text"
        for key in keys
        if key in data and not (isinstance(data[key], str) and data[key].strip())
    ]


def validate_style(
    data: Any, *, name: str = "style", expect: LayerExpectation | None = None
) -> list[str]:
    """Every problem of a layer style document, as '<name>: <where>: <problem>' (empty: valid).

    `name` is the file name ('pipes.json'): the document's slug must match it. `expect`, from
    the layer registry, adds the geometry, attribute and value checks.
    """
    if not isinstance(data, dict):
        return [f"{name}: a layer style must be a JSON object"]
    errors = _unknown(data, _LAYER_KEYS | set(PAINT_KEYS), "")
    errors += _missing(data, _LAYER_REQUIRED, "")
    errors += _check_labels(data, "", ("title_zh", "title_en"))
    geometry = data.get("geometry")
    if "geometry" in data and geometry not in GEOMETRIES:
        errors.append(f"geometry: {geometry!r} is not one of {', '.join(GEOMETRIES)}")
        geometry = None
    if expect is not None and geometry and geometry != expect.geometry:
        errors.append(
            f"geometry: {geometry!r} does not match the layer registry, "
            f"which stores {expect.geometry!r} features"
        )
    if geometry:
        errors += _missing(data, _PAINT_REQUIRED[geometry], "")
    errors += _check_paint(data, "", geometry)
    stem = name.removesuffix(".json")
    if name.endswith(".json") and "slug" in data and data["slug"] != stem:
        errors.append(f"slug: {data['slug']!r} does not match the file name {name!r}")
    label = data.get("label_field")
    if expect is not None and isinstance(label, str) and label not in expect.fields:
        errors.append(
            f"label_field: {label!r} is not an attribute of the layer "
            f"(known: {', '.join(sorted(expect.fields))})"
        )
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        errors.append("rules: must be a list")
    else:
        for index, rule in enumerate(rules):
            errors += _check_rule(rule, index, geometry, expect)
    if "verdicts" in data and not isinstance(data["verdicts"], bool):
        errors.append(f"verdicts: {data['verdicts']!r} is not true or false")
    notes = ("verdict_note_zh", "verdict_note_en")
    errors += _check_labels(data, "", notes)
    if any(key in data for key in notes) and not data.get("verdicts"):
        errors.append("verdict_note_zh/verdict_note_en: only for a layer drawn by verdict")
    if "legend" in data:
        errors += _check_legend(data["legend"], geometry, expect)
        if isinstance(rules, list) and isinstance(data["legend"], list):
            errors += _check_legend_covers_rules(rules, data["legend"])
    return [f"{name}: {error}" for error in errors]


def _distinct_without_colour(states: dict) -> list[str]:
    """The states must differ by stroke width, dash or hatch, not by colour alone."""
    look = {
        state: (
            float(paint.get("stroke_width", 0)),
            str(paint.get("dash", "")).strip(),
            bool(paint.get("hatch")),
        )
        for state, paint in states.items()
        if isinstance(paint, dict)
    }
    errors = []
    names = sorted(look)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            if look[first] == look[second]:
                errors.append(
                    f"states: {first!r} and {second!r} differ only in colour; give one a "
                    f"different stroke_width, dash or hatch for colour-blind readers"
                )
    return errors


def validate_compliance_style(data: Any, *, name: str = COMPLIANCE_FILE) -> list[str]:
    """Every problem of the compliance style document (empty: valid)."""
    if not isinstance(data, dict):
        return [f"{name}: the compliance style must be a JSON object"]
    errors = _unknown(data, _COMPLIANCE_KEYS, "")
    errors += _missing(data, tuple(sorted(_COMPLIANCE_KEYS)), "")
    errors += _check_labels(data, "", ("title_zh", "title_en"))
    states = data.get("states")
    if "states" in data:
        if not isinstance(states, dict):
            errors.append("states: must be an object keyed by status")
        else:
            errors += [f"states: missing the state {s!r}" for s in STATES if s not in states]
            errors += [
                f"states: unknown state {s!r} (known: {', '.join(STATES)})"
                for s in states
                if s not in STATES
            ]
            for state, paint in states.items():
                where = f"states.{state}"
                if not isinstance(paint, dict):
                    errors.append(f"{where}: must be an object")
                    continue
                errors += _unknown(paint, set(PAINT_KEYS) | {"label_zh", "label_en"}, where)
                errors += _missing(paint, _STATE_REQUIRED, where)
                errors += _check_labels(paint, where)
                errors += _check_paint(paint, where, None)
            errors += _distinct_without_colour(states)
    return [f"{name}: {error}" for error in errors]


def validate_defaults(data: Any, *, name: str = DEFAULTS_FILE) -> list[str]:
    """Every problem of the paint defaults document (empty: valid)."""
    if not isinstance(data, dict):
        return [f"{name}: the paint defaults must be a JSON object"]
    errors = _unknown(data, set(DEFAULT_KEYS), "") + _missing(data, DEFAULT_KEYS, "")
    errors += _check_paint(data, "", None)
    return [f"{name}: {error}" for error in errors]


def load_style(path: Path) -> dict:
    """The JSON document of a style file; StyleError when it is unreadable or not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StyleError([f"{Path(path).name}: file not found in {Path(path).parent}"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StyleError([f"{Path(path).name}: not valid UTF-8 JSON ({exc})"]) from None


def validate_file(path: Path, expect: LayerExpectation | None = None) -> list[str]:
    """Every problem of one style file (the compliance file or a layer's)."""
    path = Path(path)
    try:
        data = load_style(path)
    except StyleError as exc:
        return exc.messages
    if path.name == COMPLIANCE_FILE:
        return validate_compliance_style(data, name=path.name)
    if path.name == DEFAULTS_FILE:
        return validate_defaults(data, name=path.name)
    if path.name.startswith(RASTER_PREFIX):
        return validate_raster_style(data, name=path.name)
    return validate_style(data, name=path.name, expect=expect)


def validate_styles_dir(directory: Path, layers: dict[str, LayerExpectation]) -> list[str]:
    """Every problem of a styles directory: one valid file per layer, the compliance file,
    the defaults file, and no file for a layer the registry does not know."""
    directory = Path(directory)
    if not directory.is_dir():
        return [f"{directory}: the styles directory does not exist"]
    errors = []
    for slug, expect in layers.items():
        errors += validate_file(directory / f"{slug}.json", expect)
    errors += validate_file(directory / COMPLIANCE_FILE)
    errors += validate_file(directory / DEFAULTS_FILE)
    known = {f"{slug}.json" for slug in layers} | {COMPLIANCE_FILE, DEFAULTS_FILE}
    rasters = sorted(directory.glob(f"{RASTER_PREFIX}*.json"))  # any raster slug may have one
    errors += [error for path in rasters for error in validate_file(path)]
    known |= {path.name for path in rasters}
    errors += [
        f"{path.name}: no layer {path.stem!r} in the layer registry (known: {', '.join(layers)})"
        for path in sorted(directory.glob("*.json"))
        if path.name not in known
    ]
    return errors


# --- reading (for renderers) ---------------------------------------------------------------

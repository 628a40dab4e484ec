"""The paint defaults (a key a style leaves out) have one source, styles/_defaults.json, read by
layers/styles.py for folium and the report maps and by the Leaflet pages' styles.js."""

import json
import shutil
from pathlib import Path

import pytest

from layers.styles import (
    DEFAULT_KEYS,
    StyleError,
    leaflet_options,
    paint_defaults,
    validate_defaults,
    validate_styles_dir,
)

STYLES = Path(__file__).resolve().parents[2] / "styles"
DEFAULTS = STYLES / "_defaults.json"
# Values found in no shipped file, so that a renderer showing them can only have read them here.
ODD = {
    "stroke_color": "#123456",
    "stroke_width": 7.25,
    "stroke_opacity": 0.41,
    "line_cap": "square",
    "fill_opacity": 0.61,
    "radius": 9,
}


def shipped() -> dict:
    return json.loads(DEFAULTS.read_text(encoding="utf-8"))


@pytest.fixture
def odd_styles(settings, tmp_path):
    """The project's style files, with ODD as the paint defaults (BASE_DIR moved there)."""
    shutil.copytree(STYLES, tmp_path / "styles")
    (tmp_path / "styles" / "_defaults.json").write_text(json.dumps(ODD), encoding="utf-8")
    settings.BASE_DIR = tmp_path
    return tmp_path / "styles"


class PythonDefaultsTests:
    def test_the_shipped_file_is_valid_and_complete(self):
        assert validate_defaults(shipped()) == []
        assert set(shipped()) == set(DEFAULT_KEYS)

    def test_paint_defaults_are_the_file(self):
        assert paint_defaults() == shipped()

    def test_leaflet_options_fill_in_the_file_s_values(self):
        defaults = shipped()
        options = leaflet_options({"fill_color": "#00ff00"})
        assert options["color"] == defaults["stroke_color"]
        assert options["weight"] == defaults["stroke_width"]
        assert options["opacity"] == defaults["stroke_opacity"]
        assert options["lineCap"] == defaults["line_cap"]
        assert options["fillOpacity"] == defaults["fill_opacity"]

    def test_a_changed_file_changes_folium_s_defaults(self, odd_styles):
        assert paint_defaults() == ODD
        options = leaflet_options({"stroke_color": "#000000", "fill_color": "#00ff00"})
        assert (options["weight"], options["opacity"], options["lineCap"]) == (7.25, 0.41, "square")
        assert options["fillOpacity"] == 0.61

    def test_a_key_set_by_the_paint_wins(self):
        options = leaflet_options({"stroke_width": 3, "fill_color": "#00ff00", "fill_opacity": 0.9})
        assert options["weight"] == 3 and options["fillOpacity"] == 0.9


class BrokenDefaultsTests:
    def test_unknown_and_missing_keys(self):
        data = {k: v for k, v in shipped().items() if k != "radius"} | {"fill_color": "#ffffff"}
        problems = validate_defaults(data)
        assert "_defaults.json: missing required key 'radius'" in problems
        assert any("unknown key 'fill_color'" in p for p in problems)

    def test_bad_value(self):
        problems = validate_defaults(shipped() | {"fill_opacity": 3})
        assert problems == ["_defaults.json: fill_opacity: 3 is outside 0–1"]

    def test_not_an_object(self):
        assert validate_defaults([]) == ["_defaults.json: the paint defaults must be a JSON object"]

    def test_an_invalid_file_is_refused_when_read(self, odd_styles):
        (odd_styles / "_defaults.json").write_text('{"radius": 0}', encoding="utf-8")
        with pytest.raises(StyleError, match="radius"):
            paint_defaults()

    def test_the_directory_needs_the_file(self, odd_styles):
        (odd_styles / "_defaults.json").unlink()
        problems = validate_styles_dir(odd_styles, {})
        assert any(p.startswith("_defaults.json: file not found") for p in problems)

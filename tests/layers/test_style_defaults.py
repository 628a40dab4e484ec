"""The paint defaults (a key a style leaves out) have one source, styles/_defaults.json, read by
layers/styles.py for folium and the report maps and by the Leaflet pages' styles.js."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

from layers.styles import (
    DEFAULT_KEYS,
    DEFAULTS_FILE,
    StyleError,
    leaflet_options,
    paint_defaults,
    styles_dir,
    validate_defaults,
    validate_styles_dir,
)

ROOT = Path(__file__).resolve().parents[2]
STYLES = ROOT / "styles"
DEFAULTS = STYLES / "_defaults.json"
STYLES_JS = ROOT / "gisapp" / "static" / "gisapp" / "styles.js"
NODE = shutil.which("node")
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
    """The project's style files, with ODD as the paint defaults (STYLES_DIR moved there)."""
    shutil.copytree(STYLES, tmp_path / "styles")
    (tmp_path / "styles" / "_defaults.json").write_text(json.dumps(ODD), encoding="utf-8")
    settings.STYLES_DIR = tmp_path / "styles"
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


# styles.js run by Node: fetch answers from files (the defaults) or from a one-key style
# ("geometry:<type>", a style that sets no paint key at all); prints each geometry's options.
RUN_STYLES_JS = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [stylesJs, defaultsPath] = process.argv.slice(1);
globalThis.fetch = async (url) => {
  const text = url.startsWith("geometry:")
    ? JSON.stringify({ geometry: url.slice(9) }) : readFileSync(url, "utf8");
  return { ok: true, status: 200, text: async () => text };
};
const { leafletStyle, loadStyles } = await import(pathToFileURL(stylesJs).href);
const geometries = ["Point", "LineString", "Polygon"];
const urls = Object.fromEntries(geometries.map((g) => [g, "geometry:" + g]));
const styles = await loadStyles(urls, defaultsPath);
const out = Object.fromEntries(geometries.map((g) => [g, leafletStyle(styles[g], {})]));
console.log(JSON.stringify(out));
"""


def styles_js_options(defaults_path: Path) -> dict:
    """What the Leaflet pages draw for a feature whose style sets no paint key."""
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", RUN_STYLES_JS, str(STYLES_JS), str(defaults_path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="Node.js runs styles.js (make setup installs it)")
class JavaScriptDefaultsTests:
    def test_styles_js_takes_every_default_from_the_file(self, tmp_path):
        odd = tmp_path / "_defaults.json"
        odd.write_text(json.dumps(ODD), encoding="utf-8")
        drawn = styles_js_options(odd)
        for geometry in ("Point", "LineString", "Polygon"):
            options = drawn[geometry]
            assert options["color"] == ODD["stroke_color"]
            assert options["weight"] == ODD["stroke_width"]
            assert options["opacity"] == ODD["stroke_opacity"]
            assert options["lineCap"] == ODD["line_cap"]
        assert drawn["Point"]["fillOpacity"] == drawn["Polygon"]["fillOpacity"] == 0.61
        assert drawn["Point"]["radius"] == ODD["radius"]
        assert "fillOpacity" not in drawn["LineString"]

    def test_the_page_and_folium_fill_in_the_same_values(self):
        page = styles_js_options(DEFAULTS)["Polygon"]
        server = leaflet_options({"stroke_color": page["color"], "fill_color": "#00ff00"})
        keys = ("color", "weight", "opacity", "lineCap", "fillOpacity")
        assert {k: page[k] for k in keys} == {k: server[k] for k in keys}


@pytest.mark.django_db
class PagesReadTheFileTests:
    """The pages give styles.js the URL of the file layers/styles.py reads."""

    def test_the_static_url_serves_the_python_file(self):
        assert Path(finders.find(f"styles/{DEFAULTS_FILE}")) == styles_dir() / DEFAULTS_FILE

    @pytest.mark.parametrize(
        ("username", "path"), [("official", "/map/"), ("engineer", "/network/edit/")]
    )
    def test_the_page_names_the_file(self, client, django_user_model, username, path):
        client.force_login(django_user_model.objects.get(username=username))
        html = client.get(path).content.decode()
        found = re.search(r'<meta name="style-defaults" content="([^"]+)">', html)
        assert found and found.group(1) == static(f"styles/{DEFAULTS_FILE}")

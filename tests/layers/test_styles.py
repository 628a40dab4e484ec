"""Style files: every shipped file is valid; broken ones are refused, saying why."""

import copy
import json
import shutil
from pathlib import Path

import pytest
from django.core import checks

from layers.apps import STYLES_CHECK_ID, check_styles
from layers.registry import LAYERS
from layers.styles import (
    LayerExpectation,
    StyleError,
    compliance_style,
    feature_paint,
    leaflet_options,
    legend_entries,
    load_style,
    state_paint,
    style_for,
    styles_dir,
    validate_compliance_style,
    validate_file,
    validate_style,
    validate_styles_dir,
)

STYLES = Path(__file__).resolve().parents[2] / "styles"


def expectation(slug: str) -> LayerExpectation:
    spec = LAYERS[slug]
    return LayerExpectation(spec.geometry_type, {a.name: (a.kind, a.choices) for a in spec.attrs})


def pipes() -> dict:
    return json.loads((STYLES / "pipes.json").read_text(encoding="utf-8"))


def compliance() -> dict:
    return json.loads((STYLES / "compliance.json").read_text(encoding="utf-8"))


def problems(data: dict, slug: str = "pipes") -> list[str]:
    return validate_style(data, name=f"{slug}.json", expect=expectation(slug))


class ShippedStylesTests:
    @pytest.mark.parametrize("slug", list(LAYERS))
    def test_every_layer_has_a_valid_file(self, slug):
        assert validate_file(STYLES / f"{slug}.json", expectation(slug)) == []

    def test_the_compliance_file_is_valid(self):
        assert validate_file(STYLES / "compliance.json") == []

    def test_the_directory_is_complete(self):
        layers = {slug: expectation(slug) for slug in LAYERS}
        assert validate_styles_dir(STYLES, layers) == []
        rasters = [f"raster-{slug}.json" for slug in ("elevation", "rainfall", "land-use")]
        assert sorted(p.name for p in STYLES.glob("*.json")) == sorted(
            [f"{slug}.json" for slug in LAYERS] + ["compliance.json", "_defaults.json", *rasters]
        )

    def test_styles_dir_is_the_project_folder(self):
        assert styles_dir() == STYLES

    def test_system_check_passes(self):
        errors = [e for e in checks.run_checks(tags=["styles"]) if e.id == STYLES_CHECK_ID]
        assert errors == []

    def test_failures_differ_from_compliance_by_more_than_colour(self):
        states = compliance()["states"]
        bad, good, none = states["non_compliant"], states["compliant"], states["no_data"]
        assert bad["stroke_width"] > good["stroke_width"]
        assert bad.get("dash") and bad.get("hatch")
        assert none.get("dash") and none["dash"] != bad["dash"]
        assert not good.get("dash")


class BrokenStyleTests:
    def test_unknown_key(self):
        data = pipes() | {"colour": "#ff0000"}
        assert any("unknown key 'colour'" in p for p in problems(data))

    def test_bad_colour(self):
        data = pipes() | {"stroke_color": "red"}
        assert "pipes.json: stroke_color: 'red' is not a colour '#rrggbb'" in problems(data)

    def test_short_colour_in_a_rule(self):
        data = pipes()
        data["rules"][0]["style"]["stroke_color"] = "#12345"
        assert "pipes.json: rules[0].style.stroke_color: '#12345' is not a colour '#rrggbb'" in (
            problems(data)
        )

    def test_missing_required_key(self):
        data = pipes()
        del data["title_zh"]
        assert "pipes.json: missing required key 'title_zh'" in problems(data)

    def test_geometry_mismatch_with_the_registry(self):
        data = pipes() | {"geometry": "Polygon", "fill_color": "#ffffff", "fill_opacity": 0.3}
        assert (
            "pipes.json: geometry: 'Polygon' does not match the layer registry, which stores "
            "'LineString' features" in problems(data)
        )

    def test_unknown_geometry(self):
        data = pipes() | {"geometry": "Polyline"}
        assert any(
            "'Polyline' is not one of Point, LineString, Polygon" in p for p in problems(data)
        )

    def test_points_need_a_radius(self):
        data = json.loads((STYLES / "sewage-plants.json").read_text(encoding="utf-8"))
        del data["radius"]
        assert "sewage-plants.json: missing required key 'radius'" in problems(
            data, "sewage-plants"
        )

    def test_fill_on_a_line_layer(self):
        data = pipes() | {"fill_color": "#ffffff"}
        assert any("'fill_color' is not used by LineString layers" in p for p in problems(data))

    def test_slug_must_match_the_file_name(self):
        data = pipes() | {"slug": "pipe"}
        assert "pipes.json: slug: 'pipe' does not match the file name 'pipes.json'" in problems(
            data
        )

    def test_opacity_out_of_range(self):
        data = pipes() | {"stroke_opacity": 1.5}
        assert "pipes.json: stroke_opacity: 1.5 is outside 0–1" in problems(data)

    def test_bad_dash(self):
        data = pipes() | {"dash": "dashed"}
        assert any("'dashed' is not a dash pattern" in p for p in problems(data))

    def test_rule_on_an_unknown_attribute(self):
        data = pipes()
        data["rules"][0]["field"] = "diameter"
        assert any(
            p.startswith("pipes.json: rules[0].field: 'diameter' is not an attribute")
            for p in problems(data)
        )

    def test_rule_value_outside_the_choices(self):
        data = json.loads((STYLES / "pipe-nodes.json").read_text(encoding="utf-8"))
        data["rules"][-1]["equals"] = "end-cap"
        assert any("'end-cap' is not a value of 'kind'" in p for p in problems(data, "pipe-nodes"))

    def test_rule_needs_exactly_one_test(self):
        data = pipes()
        data["rules"][0]["equals"] = 100
        assert any("needs exactly one test" in p for p in problems(data))

    def test_label_field_must_be_an_attribute(self):
        data = pipes() | {"label_field": "name"}
        assert any(
            p.startswith("pipes.json: label_field: 'name' is not an attribute")
            for p in problems(data)
        )

    def test_empty_legend(self):
        data = pipes() | {"legend": []}
        assert any("legend: must be a non-empty list" in p for p in problems(data))

    def test_not_an_object(self):
        assert validate_style([], name="pipes.json") == [
            "pipes.json: a layer style must be a JSON object"
        ]

    def test_invalid_json_file(self, tmp_path):
        path = tmp_path / "pipes.json"
        path.write_text("{ not json", encoding="utf-8")
        with pytest.raises(StyleError) as exc:
            load_style(path)
        assert exc.value.messages[0].startswith("pipes.json: not valid UTF-8 JSON")

    def test_style_for_refuses_an_invalid_file(self, tmp_path):
        (tmp_path / "pipes.json").write_text(
            json.dumps(pipes() | {"stroke_width": -1}), encoding="utf-8"
        )
        with pytest.raises(StyleError, match=r"stroke_width: -1 is outside 0–20"):
            style_for("pipes", tmp_path)


class BrokenComplianceStyleTests:
    def test_missing_state(self):
        data = compliance()
        del data["states"]["no_data"]
        assert "compliance.json: states: missing the state 'no_data'" in (
            validate_compliance_style(data)
        )

    def test_states_that_differ_only_in_colour_are_refused(self):
        data = compliance()
        same = copy.deepcopy(data["states"]["compliant"])
        data["states"]["no_data"] = same | {"stroke_color": "#777777", "label_en": "No data"}
        assert (
            "compliance.json: states: 'compliant' and 'no_data' differ only in colour; give one "
            "a different stroke_width, dash or hatch for colour-blind readers"
        ) in validate_compliance_style(data)

    def test_bad_hatch(self):
        data = compliance()
        data["states"]["non_compliant"]["hatch"] = {"color": "#d7191c", "angle": 45}
        found = validate_compliance_style(data)
        assert "compliance.json: states.non_compliant.hatch: missing required key 'spacing'" in (
            found
        )


class SystemCheckTests:
    def test_a_broken_file_fails_the_check_with_layers_e001(self, settings, tmp_path):
        shutil.copytree(STYLES, tmp_path / "styles")
        broken = pipes() | {"stroke_color": "blue"}
        (tmp_path / "styles" / "pipes.json").write_text(json.dumps(broken), encoding="utf-8")
        (tmp_path / "styles" / "wells.json").write_text(json.dumps(pipes()), encoding="utf-8")
        settings.STYLES_DIR = tmp_path / "styles"
        errors = check_styles()
        assert {e.id for e in errors} == {"layers.E001"}
        messages = [e.msg for e in errors]
        assert "pipes.json: stroke_color: 'blue' is not a colour '#rrggbb'" in messages
        assert any(m.startswith("wells.json: no layer 'wells'") for m in messages)

    def test_a_missing_file_fails_the_check(self, settings, tmp_path):
        shutil.copytree(STYLES, tmp_path / "styles")
        (tmp_path / "styles" / "towns.json").unlink()
        settings.STYLES_DIR = tmp_path / "styles"
        messages = [e.msg for e in check_styles()]
        assert any(m.startswith("towns.json: file not found") for m in messages)


class StyleReadingTests:
    def test_pipes_width_follows_the_diameter(self):
        style = style_for("pipes")
        thin = feature_paint(style, {"diameter_mm": 50, "status": "in_service"})
        thick = feature_paint(style, {"diameter_mm": 600, "status": "in_service"})
        assert thin["stroke_width"] < thick["stroke_width"]
        assert "dash" not in thin

    def test_later_rules_add_to_earlier_ones(self):
        paint = feature_paint(style_for("pipes"), {"diameter_mm": 600, "status": "planned"})
        assert paint["stroke_width"] == 4 and paint["dash"] == "6 4"

    def test_users_by_sector_have_distinct_colours(self):
        style = style_for("water-users")
        colours = {
            feature_paint(style, {"sector": s})["fill_color"]
            for s in LAYERS["water-users"].attrs[2].choices
        }
        assert len(colours) == len(LAYERS["water-users"].attrs[2].choices)

    def test_leaflet_options_of_a_failure(self):
        options = leaflet_options(
            state_paint(compliance_style(), "non_compliant"), fill_pattern="url(#h)"
        )
        assert options["color"] == "#d7191c" and options["weight"] == 4
        assert options["dashArray"] == "10 5" and options["fillColor"] == "url(#h)"

    def test_legend_swatches_are_complete_paints(self):
        entries = legend_entries(style_for("pipes"))
        assert entries[0]["paint"]["stroke_color"] == "#2166ac"
        assert entries[-1]["paint"]["dash"] == "2 4"

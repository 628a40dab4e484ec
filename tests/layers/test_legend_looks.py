"""The legend and the map's features are painted from the same style (issue 17): legend entries
name the attributes they show (`when`), every rule shows in some entry, and the layers drawn by
verdict are exactly those the compliance app gives a verdict."""

import itertools

import pytest

from compliance.dependencies import families_of_layer
from layers.extensions import tile_status
from layers.registry import LAYERS
from layers.style_files import LayerExpectation, validate_style
from layers.styles import feature_paint, legend_entries, style_for

LINE = {
    "slug": "mains",
    "title_zh": "干管",
    "title_en": "Mains",
    "geometry": "LineString",
    "label_field": "code",
    "stroke_color": "#2166ac",
    "stroke_width": 1.5,
    "rules": [
        {"field": "diameter_mm", "min": 300, "style": {"stroke_width": 4}},
        {"field": "status", "equals": "planned", "style": {"dash": "6 4"}},
    ],
    "legend": [
        {"label_zh": "DN ≥ 300", "label_en": "DN ≥ 300", "when": {"diameter_mm": 300}},
        {"label_zh": "规划", "label_en": "Planned", "when": {"status": "planned"}},
    ],
}
EXPECT = LayerExpectation(
    "LineString",
    {
        "code": ("str", ()),
        "diameter_mm": ("int", ()),
        "status": ("str", ("in_service", "planned")),
    },
)


def _with(**changes) -> dict:
    return {**LINE, **changes}


def _sample_values(rules: list[dict], required: set[str]) -> dict[str, list]:
    """Per attribute, a value inside every test the rules make (and None: attribute missing,
    unless the layer requires it)."""
    values: dict[str, set] = {}
    for rule in rules:
        found = values.setdefault(rule["field"], set() if rule["field"] in required else {None})
        if "equals" in rule:
            found.add(rule["equals"])
        found.update(rule.get("in", []))
        if "min" in rule:
            found.add(rule["min"])
        if "max" in rule:
            found.add(rule["max"] - 1)
    return {field: sorted(found, key=repr) for field, found in values.items()}


def _colours(paint: dict) -> set[str]:
    return {paint[key] for key in ("stroke_color", "fill_color") if key in paint}


class LegendWhenTests:
    def test_a_legend_drawn_by_the_rules_is_valid(self):
        assert validate_style(LINE, name="mains.json", expect=EXPECT) == []

    def test_a_rule_no_entry_shows_is_refused(self):
        """The planned rule's dash would be drawn on the map and explained nowhere."""
        errors = validate_style(_with(legend=LINE["legend"][:1]), name="mains.json")
        assert any("rules[1]: no legend entry shows it" in e for e in errors), errors

    def test_an_entry_matching_no_rule_is_refused(self):
        """DN 150 is under the only range (≥ 300): its swatch would be the plain look."""
        legend = [
            *LINE["legend"],
            {"label_zh": "小", "label_en": "Small", "when": {"diameter_mm": 150}},
        ]
        errors = validate_style(_with(legend=legend), name="mains.json")
        assert any("legend[2].when: matches no rule" in e for e in errors), errors

    def test_when_names_attributes_and_values_of_the_layer(self):
        legend = [
            *LINE["legend"],
            {"label_zh": "甲", "label_en": "A", "when": {"colour": "red"}},
            {"label_zh": "乙", "label_en": "B", "when": {"status": "closed"}},
        ]
        errors = validate_style(_with(legend=legend), name="mains.json", expect=EXPECT)
        assert any("legend[2].when.colour: not an attribute" in e for e in errors), errors
        assert any("legend[3].when.status: 'closed' is not one of" in e for e in errors), errors

    def test_when_and_swatch_together_are_refused(self):
        legend = [{**LINE["legend"][0], "swatch": {"stroke_width": 4}}, LINE["legend"][1]]
        errors = validate_style(_with(legend=legend), name="mains.json")
        assert any("either 'when'" in e for e in errors), errors

    def test_verdicts_is_a_boolean_and_its_note_needs_it(self):
        errors = validate_style(_with(verdicts="yes"), name="mains.json")
        assert any("verdicts: 'yes' is not true or false" in e for e in errors), errors
        errors = validate_style(_with(verdict_note_zh="按分区"), name="mains.json")
        assert any("only for a layer drawn by verdict" in e for e in errors), errors
        assert (
            validate_style(
                _with(verdicts=True, verdict_note_zh="按分区", verdict_note_en="By zone"),
                name="mains.json",
            )
            == []
        )

    def test_a_when_entry_is_painted_by_the_rules(self):
        """DN 300 takes the range rule: width 4 over the base colour #2166ac, no dash."""
        entries = legend_entries(LINE)
        assert entries[0]["paint"] == {"stroke_color": "#2166ac", "stroke_width": 4}
        assert entries[1]["paint"] == {
            "stroke_color": "#2166ac",
            "stroke_width": 1.5,
            "dash": "6 4",
        }


@pytest.mark.parametrize("slug", list(LAYERS))
def test_every_colour_a_layer_draws_has_a_legend_entry(slug):
    """Every combination of the attribute values the rules test (optional ones also missing) is
    painted by feature_paint, the map's function; each colour it gives (stroke or fill) is the
    colour of some legend swatch, and each swatch is exactly the paint of its `when`."""
    style = style_for(slug)
    entries = legend_entries(style)
    for entry, source in zip(entries, style["legend"], strict=True):
        if "when" in source:
            assert entry["paint"] == feature_paint(style, source["when"])
    legend_colours = set().union(*(_colours(e["paint"]) for e in entries))
    required = {a.name for a in LAYERS[slug].attrs if a.required}
    samples = _sample_values(style.get("rules", []), required)
    fields = list(samples)
    for values in itertools.product(*(samples[f] for f in fields)):
        properties = {f: v for f, v in zip(fields, values, strict=True) if v is not None}
        missing = _colours(feature_paint(style, properties)) - legend_colours
        assert not missing, (slug, properties, missing)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", list(LAYERS))
def test_drawn_by_verdict_exactly_where_the_compliance_app_gives_one(slug):
    """A layer's style says `verdicts: true` exactly when the map's features carry a verdict:
    its features are judged by an indicator family (their `compliance` property), or its vector
    tiles carry a `status` (the pipes: their supply zone's leakage verdict). Otherwise the map
    would paint verdict colours the legend never shows, or show states it never paints."""
    judged = bool(families_of_layer(slug)) or tile_status(slug, 2025) is not None
    assert style_for(slug).get("verdicts", False) is judged

"""QGIS layer styles (QML) and SLD 1.1 from styles/*.json: well-formed XML, one rule per style
rule with its legend label, and QML expressions that give the map's look (evaluated here by
PostgreSQL, whose expression syntax QGIS's shares for what the QML uses)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405  (our own output)

import pytest
from django.db import connection

from layers.registry import LAYERS
from layers.style_export import QGIS_STATUS, layer_qml, qgis_paint
from layers.style_expressions import own_paint, plain_dialect, verdict_paint
from layers.style_sld import layer_sld
from layers.styles import compliance_style, paint_defaults, style_for

SE = "{http://www.opengis.net/se}"
SLD = "{http://www.opengis.net/sld}"
OGC = "{http://www.opengis.net/ogc}"
SLUGS = [slug for slug in LAYERS]


def _qml(slug: str, english: bool = False) -> ET.Element:
    style = style_for(slug)
    compliance = compliance_style() if style.get("verdicts") else None
    text = layer_qml(LAYERS[slug], style, compliance, paint_defaults(), english=english)
    assert text.startswith("<!DOCTYPE qgis")
    return ET.fromstring(text)  # noqa: S314


def _sld(slug: str, english: bool = False) -> ET.Element:
    text = layer_sld(LAYERS[slug], style_for(slug), paint_defaults(), english=english)
    return ET.fromstring(text.encode())  # noqa: S314


class QmlTests:
    @pytest.mark.parametrize("slug", SLUGS)
    def test_well_formed_one_rule_per_style_rule_and_else(self, slug):
        style = style_for(slug)
        root = _qml(slug)
        assert root.tag == "qgis"
        renderer = root.find("renderer-v2")
        assert renderer.get("type") == "RuleRenderer"
        rules = renderer.findall("rules/rule")
        assert len(rules) == len(style.get("rules", [])) + 1
        assert rules[-1].get("filter") == "ELSE"
        symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
        kind = {"Point": "marker", "LineString": "line", "Polygon": "fill"}[style["geometry"]]
        for rule in rules:
            symbol = symbols[rule.get("symbol")]
            assert symbol.get("type") == kind
            names = {
                o.get("name")
                for o in symbol.findall("layer/data_defined_properties/Option/Option/Option")
            }
            assert "outlineColor" in names
        labels = [rule.get("label") for rule in rules]
        zh = {entry["label_zh"] for entry in style["legend"]} | {style["title_zh"]}
        assert set(labels) <= zh

    def test_pipe_rules_in_chinese_and_english(self):
        """Pipes: 6 rules (4 diameter classes, planned, abandoned) and ELSE; the first rule
        (DN < 100) excludes every later rule, so a feature is drawn once."""
        rules = _qml("pipes").findall("renderer-v2/rules/rule")
        assert [r.get("label") for r in rules][:6] == [
            "DN < 100",
            "DN 100–199",
            "DN 200–399",
            "DN ≥ 400",
            "规划管道",
            "废弃管道",
        ]
        assert rules[0].get("filter").count("AND NOT") == 5
        english = _qml("pipes", english=True).findall("renderer-v2/rules/rule")
        assert english[4].get("label") == "Planned pipe"


def _sql(expression: str) -> str:
    """A QML expression as PostgreSQL: the verdict read from column __verdict, max → GREATEST,
    to_string → text."""
    sql = expression.replace(QGIS_STATUS, '"__verdict"')
    sql = re.sub(r"\bmax\(", "GREATEST(", sql)
    return re.sub(r"\bto_string\(", "text(", sql)


def _evaluate(expression: str, fields: dict[str, str], props: dict, verdict: str | None):
    """The expression's value for a feature with `props` (fields: name → SQL type)."""
    columns = [*fields, "__verdict"]
    values = [props.get(name) for name in fields] + [verdict]
    types = [*fields.values(), "text"]
    row = ", ".join(f"CAST(%s AS {t})" for t in types)
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {_sql(expression)} FROM (VALUES ({row})) AS f({names})", values)  # noqa: S608
        return cur.fetchone()[0]


def _rgba(colour: str, opacity: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{r},{g},{b},{round(255 * opacity)}"


@pytest.mark.django_db
class QmlExpressionTests:
    @pytest.mark.parametrize(
        ("slug", "fields"),
        [
            ("pipes", {"diameter_mm": "numeric", "status": "text"}),
            ("water-users", {"sector": "text"}),
            ("water-function-zones", {"target_class": "numeric", "water_body": "text"}),
            ("pipe-nodes", {"kind": "text"}),
        ],
    )
    def test_expressions_give_the_maps_look_for_every_legend_entry_and_verdict(self, slug, fields):
        style = style_for(slug)
        compliance = compliance_style() if style.get("verdicts") else None
        defaults = paint_defaults()
        expressions = qgis_paint(style, compliance, defaults)
        for entry in [*style["legend"], {"when": {}}]:
            own_props = entry["when"]
            for verdict in ("compliant", "non_compliant", "no_data", None):
                expected = own_paint(style, defaults, plain_dialect(own_props))
                if compliance is not None:
                    state = verdict or "no_data"
                    expected = verdict_paint(
                        style["geometry"],
                        expected,
                        compliance["states"][state],
                        state,
                        plain_dialect(own_props),
                    )

                def value(key, props=own_props, verdict=verdict):
                    return _evaluate(expressions[key], fields, props, verdict)

                stroke = value("stroke_color") + "," + str(round(255 * value("stroke_opacity")))
                assert stroke == _rgba(expected["stroke_color"], expected["stroke_opacity"])
                assert float(value("stroke_width")) == expected["stroke_width"]
                if "radius" in expected:
                    assert float(value("radius")) == expected["radius"]
                if "dash" in expressions:
                    dash = ";".join(expected["dash"].split()) or "1;0"
                    assert value("dash") == dash

    def test_failing_pipe_worked_example(self):
        """A DN 250 pipe (own width 2.5) in a failing zone: max(2.5, 3) = 3 px, red, dashed
        10;5. A DN 500 one keeps 4 px."""
        expressions = qgis_paint(style_for("pipes"), compliance_style(), paint_defaults())
        fields = {"diameter_mm": "numeric", "status": "text"}
        pipe = {"diameter_mm": 250, "status": "in_service"}
        assert float(_evaluate(expressions["stroke_width"], fields, pipe, "non_compliant")) == 3
        assert _evaluate(expressions["stroke_color"], fields, pipe, "non_compliant") == "215,25,28"
        assert _evaluate(expressions["dash"], fields, pipe, "non_compliant") == "10;5"
        big = {"diameter_mm": 500, "status": "in_service"}
        assert float(_evaluate(expressions["stroke_width"], fields, big, "non_compliant")) == 4


class SldTests:
    @pytest.mark.parametrize("slug", SLUGS)
    def test_sld_1_1_with_se_rules_per_style_rule(self, slug):
        style = style_for(slug)
        root = _sld(slug)
        assert root.tag == f"{SLD}StyledLayerDescriptor" and root.get("version") == "1.1.0"
        assert root.find(f"{SLD}NamedLayer/{SE}Name").text == slug
        rules = root.findall(f"{SLD}NamedLayer/{SLD}UserStyle/{SE}FeatureTypeStyle/{SE}Rule")
        assert len(rules) == len(style.get("rules", [])) + 1
        assert rules[-1].find(f"{SE}ElseFilter") is not None
        symbolizer = {"Point": "PointSymbolizer", "LineString": "LineSymbolizer"}.get(
            style["geometry"], "PolygonSymbolizer"
        )
        for rule in rules:
            assert rule.find(f"{SE}{symbolizer}") is not None
            assert rule.find(f"{SE}Description/{SE}Title").text
        for rule in rules[:-1]:
            assert rule.find(f"{OGC}Filter") is not None

    def test_pipe_rule_filter_colour_and_labels(self):
        """Rule 3 (DN ≥ 400, #0b3566, 4 px) excludes the planned and abandoned rules after
        it; the planned pipe rule is dashed 6 4."""
        rules = _sld("pipes").findall(f".//{SE}Rule")
        big = rules[3]
        assert big.find(f"{SE}Description/{SE}Title").text == "DN ≥ 400"
        test = big.find(f"{OGC}Filter/{OGC}And")
        assert test.find(f"{OGC}PropertyIsGreaterThanOrEqualTo/{OGC}Literal").text == "400"
        later = test.findall(f"{OGC}Not/{OGC}Or/{OGC}PropertyIsEqualTo/{OGC}Literal")
        assert [x.text for x in later] == ["planned", "abandoned"]
        params = {p.get("name"): p.text for p in big.iter(f"{SE}SvgParameter")}
        assert (params["stroke"], params["stroke-width"]) == ("#0b3566", "4")
        planned = {p.get("name"): p.text for p in rules[4].iter(f"{SE}SvgParameter")}
        assert planned["stroke-dasharray"] == "6 4"
        english = _sld("pipes", english=True).findall(f".//{SE}Rule")
        assert english[5].find(f"{SE}Description/{SE}Title").text == "Abandoned pipe"


@pytest.mark.django_db
class StyleFileEndpointTests:
    def test_downloads_with_type_and_name(self, client, official):
        client.force_login(official)
        qml = client.get("/styles/pipes.qml")
        assert qml.status_code == 200 and qml["Content-Type"].startswith("application/xml")
        assert qml["Content-Disposition"] == 'attachment; filename="pipes.qml"'
        ET.fromstring(qml.content)  # noqa: S314
        sld = client.get("/styles/towns.sld")
        assert sld["Content-Type"].startswith("application/vnd.ogc.sld+xml")
        assert client.get("/styles/nope.sld").status_code == 404

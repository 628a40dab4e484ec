"""The looks exported to desktop and web clients (MapLibre style, QML: layers/style_expressions.py)
are the map's own: for every layer, legend entry and verdict, `verdict_paint` over the rules'
cascade gives what styles.js `featureLook` draws in Chromium."""

import json

import pytest

from layers.style_expressions import own_paint, plain_dialect, verdict_paint
from layers.styles import paint_defaults
from tests.e2e.test_map import open_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# Per layer: each legend entry's attributes (and none) under each verdict (and none), as the
# map's featureLook draws them (Leaflet path options).
LOOKS_JS = """async () => {
  const s = await import('/static/gisapp/styles.js');
  const styles = window.__lianzhouTest.map.styles, compliance = styles.compliance;
  const out = {};
  Object.keys(styles).filter(k => k !== 'compliance').forEach(slug => {
    const style = styles[slug];
    out[slug] = {style: style, looks: []};
    style.legend.concat([{when: {}}]).forEach(entry => {
      [null].concat(Object.keys(compliance.states)).forEach(v => {
        const props = v ? {...entry.when, compliance: {status: v}} : {...entry.when};
        out[slug].looks.push({when: entry.when, verdict: v,
                              look: s.featureLook(style, compliance, props)});
      });
    });
  });
  return JSON.stringify({compliance: compliance, layers: out});
}"""


class StyleParityTests:
    def test_exported_looks_are_what_featurelook_draws(self, page, site):
        open_map(page, site)
        data = json.loads(page.evaluate(LOOKS_JS))
        compliance, defaults = data["compliance"], paint_defaults()
        assert len(data["layers"]) == 9
        for slug, layer in data["layers"].items():
            style, geometry = layer["style"], layer["style"]["geometry"]
            for case in layer["looks"]:
                when, verdict, look = case["when"], case["verdict"], case["look"]
                paint = own_paint(style, defaults, plain_dialect(when))
                if style.get("verdicts"):
                    state = verdict or "no_data"
                    paint = verdict_paint(
                        geometry, paint, compliance["states"][state], state, plain_dialect(when)
                    )
                where = f"{slug} {when} {verdict}"
                assert look["color"] == paint["stroke_color"], where
                assert look["weight"] == paint["stroke_width"], where
                assert look["opacity"] == paint["stroke_opacity"], where
                if geometry == "LineString":
                    assert look["lineCap"] == paint["line_cap"], where
                if geometry != "Point":  # a circle marker's dash is not exported
                    assert (look["dashArray"] or "") == paint["dash"], where
                if geometry == "Point":
                    assert look["radius"] == paint["radius"], where
                if geometry != "LineString":
                    if paint.get("hatch"):
                        assert look["fillColor"] == f"url(#hatch-{verdict})", where
                    else:
                        assert look["fillColor"] == paint["fill_color"], where
                        assert look["fillOpacity"] == paint["fill_opacity"], where
        page.watch.assert_clean()

"""The map's legend in Chromium: drawn by the function that draws the features (styles.js
featureLook), so every colour on the map is a colour of its layer's legend (issue 17: the
legend drew the pipes blue by diameter while the map drew them in pass/fail colours)."""

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import open_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# For each layer the page loaded: every combination of the attribute values its rules test
# (and none), under every verdict state (and none), painted by featureLook; the colours it
# gives that no row of legendRows has, and the legend's verdict labels.
ALL_LOOKS_JS = """async () => {
  const s = await import('/static/gisapp/styles.js');
  const styles = window.__lianzhouTest.map.styles, compliance = styles.compliance;
  const out = {};
  Object.keys(styles).filter(k => k !== 'compliance').forEach(slug => {
    const style = styles[slug];
    const values = {};
    (style.rules || []).forEach(r => {
      const v = values[r.field] = values[r.field] || [undefined];
      if ('equals' in r) v.push(r.equals);
      (r.in || []).forEach(x => v.push(x));
      if ('min' in r) v.push(r.min);
      if ('max' in r) v.push(r.max - 1);
    });
    let combos = [{}];
    Object.keys(values).forEach(f => {
      combos = combos.flatMap(c => values[f].map(v => v === undefined ? c : {...c, [f]: v}));
    });
    const verdicts = [null].concat(Object.keys(compliance.states));
    const drawn = new Set();
    combos.forEach(c => verdicts.forEach(v => {
      const o = s.featureLook(style, compliance, v ? {...c, compliance: {status: v}} : c);
      drawn.add(o.color); if (o.fill) drawn.add(o.fillColor);
    }));
    const rows = s.legendRows(style, compliance, 'zh-hans');
    const shown = new Set();
    rows.forEach(r => { shown.add(r.look.color); if (r.look.fill) shown.add(r.look.fillColor); });
    out[slug] = {missing: [...drawn].filter(c => !shown.has(c)),
                 verdicts: rows.filter(r => r.kind === 'verdict').map(r => r.label),
                 classes: rows.filter(r => r.kind === 'class').map(r => r.label)};
  });
  return out;
}"""

# The swatch colours of the legend block that holds a layer.
SWATCH_JS = """(slug) => {
  const block = [...document.querySelectorAll('#legend .legend-block')]
    .find(b => b.dataset.layers.split(' ').includes(slug));
  if (!block) return null;
  const colours = new Set();
  block.querySelectorAll('svg > *').forEach(e => {
    colours.add(e.getAttribute('stroke'));
    if (e.getAttribute('fill') !== 'none') colours.add(e.getAttribute('fill'));
  });
  return [...colours];
}"""

# The stroke and fill colours of a GeoJSON layer's drawn SVG paths.
PATHS_JS = """(slug) => {
  const colours = new Set();
  window.__lianzhouTest.map.geojson[slug].layer.eachLayer(l => {
    colours.add(l._path.getAttribute('stroke'));
    const fill = l._path.getAttribute('fill');
    if (fill && fill !== 'none') colours.add(fill);
  });
  return [...colours];
}"""

# The stroke colours the canvas tiles of a tiled layer drew, per verdict, once a tile drew some.
TILES_JS = """(slug) => {
  const layer = window.__lianzhouTest.map.tiles[slug];
  const byStatus = {};
  Object.values(layer._vectorTiles).forEach(tile => Object.values(tile._features).forEach(f => {
    const status = f.feature.properties.status || 'none';
    (byStatus[status] = byStatus[status] || new Set()).add(f.feature.options.color);
  }));
  const out = {};
  Object.keys(byStatus).forEach(k => { out[k] = [...byStatus[k]]; });
  return Object.keys(out).length ? out : null;
}"""


class LegendLooksTests:
    def test_every_colour_featurelook_can_draw_is_in_the_legend(self, page, site):
        """For each layer, whatever its attributes and verdict, the colour featureLook paints
        it in is one of its legend rows' colours; layers drawn by verdict list 达标 / 不达标 /
        无数据; the pipes keep their diameter classes (widths survive the verdict), the zones
        none of their own (the verdict paints over their fills)."""
        open_map(page, site)
        looks = page.evaluate(ALL_LOOKS_JS)
        assert set(looks) >= {"pipes", "towns", "water-users", "roads", "supply-zones"}
        for slug, found in looks.items():
            assert found["missing"] == [], (slug, found)
        assert looks["pipes"]["verdicts"] == ["达标", "不达标", "无数据"]
        assert "DN ≥ 400" in looks["pipes"]["classes"]
        assert looks["water-function-zones"]["classes"] == []
        assert looks["roads"]["verdicts"] == [] and "高速公路" in looks["roads"]["classes"]
        page.watch.assert_clean()

    def test_legend_swatches_hold_the_colours_of_the_drawn_paths(self, page, site):
        """On /map/ each GeoJSON layer's drawn paths (SVG stroke and fill) take colours of its
        legend block's swatches; zoomed in over 连州镇 (zoom 13), the pipes the canvas tiles
        drew are in verdict colours (their zone's leakage), all of them in the pipes' block,
        which reads 达标 / 不达标 / 无数据 and the DN classes."""
        open_map(page, site)
        page.wait_for_selector("#legend .legend-block")
        for slug in ("towns", "roads", "supply-zones", "water-function-zones", "sewage-plants"):
            drawn = page.evaluate(PATHS_JS, slug)
            swatches = page.evaluate(SWATCH_JS, slug)
            assert drawn and swatches, slug
            assert set(drawn) <= set(swatches), (slug, drawn, swatches)
        assert page.evaluate(SWATCH_JS, "pipes") is None  # not drawn below zoom 12: no block

        page.evaluate("window.__lianzhouTest.map.map.setView([24.78, 112.38], 13)")
        page.wait_for_function(f"({TILES_JS})('pipes') !== null", timeout=30000)
        page.wait_for_selector("#legend .legend-block[data-layers~='pipes']")
        page.wait_for_timeout(500)  # the other tiles in view
        drawn = page.evaluate(TILES_JS, "pipes")
        swatches = set(page.evaluate(SWATCH_JS, "pipes"))
        compliance = page.evaluate("window.__lianzhouTest.map.styles.compliance.states")
        for status, colours in drawn.items():
            assert set(colours) <= swatches, (status, colours, swatches)
            if status in compliance:
                assert colours == [compliance[status]["stroke_color"]], (status, colours)
        assert "#2166ac" not in swatches  # the own blue is never drawn: no blue in the legend
        block = page.locator("#legend .legend-block[data-layers~='pipes']")
        verdicts = block.locator(".verdicts .row").all_inner_texts()
        assert [v.strip() for v in verdicts] == ["达标", "不达标", "无数据"]
        assert "DN ≥ 400" in block.inner_text() and "漏损" in block.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "legend-pipes-zoom13.png"))
        page.watch.assert_clean()

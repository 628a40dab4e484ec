/* The officials' map: every layer, verdicts styled from the style files, failures listed.
   All text from the data is inserted with textContent (never innerHTML), so markup in a
   feature's name shows as text. */
import { getJSON, withQuery } from "./api.js";
import { el } from "./dom.js";
import { metaContent, onMapInit, readConfig, translator } from "./page.js";
import { placeNamesLayer, zoomLevelControl } from "./place-names.js";
import { initRasters, rasterPopup } from "./rasters.js";
import { featureLook, installPatterns, legendBlock, legendRows, loadStyles as readStyles, sameLegend, verdictOf }
  from "./styles.js";
import { expose } from "./test-hook.js";
import "./vectorgrid-shim.js";

const config = readConfig("map-config");
const state = {
  map: null,
  year: config.year,
  onlyFailures: false,
  styles: {},
  geojson: {},    // slug -> {data, layer}
  counties: null, // the city's counties by verdict (loadCounties)
  switcher: null,
  tiles: {},      // slug -> VectorGrid layer
  overlays: {},   // title -> layer (for the switcher)
};

const t = translator(config.labels);

/* ---- styles ------------------------------------------------------------------------ */
/* The layers' style files and the compliance file (config.styleUrls), with the defaults the
   template names (<meta name="style-defaults">). */
function loadStyles() {
  return readStyles(config.styleUrls, metaContent("style-defaults")).then(function (styles) {
    state.styles = styles;
  });
}

/* The layers drawn by verdict: those whose style file says so ("verdicts": true, kept equal
   to what the compliance app judges by tests/layers/test_legend_looks.py). The others (the
   roads, the nodes: context) keep their own look, and "only failures" leaves them on the map. */
function judged(slug) {
  return Boolean(state.styles[slug] && state.styles[slug].verdicts);
}

function statusOf(props) { return verdictOf(props); }

/* The feature's look: the one function that also draws the legend (styles.js featureLook). */
function featureStyle(slug, props) {
  var base = featureLook(state.styles[slug], state.styles.compliance, props);
  var status = statusOf(props);
  if (state.onlyFailures && slug === "towns" && status !== "non_compliant") {
    base = Object.assign({}, base, { fill: false, fillOpacity: 0 });  // the frame only
  }
  return base;
}

/* "Only failures" hides what passes, except the towns (they stay as the county's frame) and
   the small layers not drawn by verdict (the roads: orientation); of the tiled layers only
   the failing features stay. */
function visible(props, slug) {
  var context = !judged(slug) && !state.tiles[slug];
  return !state.onlyFailures || slug === "towns" || context || statusOf(props) === "non_compliant";
}

/* One feature with its verdicts of the year shown. */
function featureOf(slug, id) {
  return getJSON(config.urls.api + "layers/" + slug + "/features/" + id + "/", { year: state.year });
}

/* ---- popups -------------------------------------------------------------------------- */
function valueText(value, unit) {
  if (value === null || value === undefined) { return "—"; }
  var n = Math.abs(value) >= 100 ? value.toFixed(0) : Number(value.toPrecision(4)).toString();
  if (unit === "0–1") { return (value * 100).toFixed(1) + "%"; }
  return n + (unit ? " " + unit : "");
}

function popupContent(slug, feature) {
  var p = feature.properties || {};
  var title = (p.code || "") + (p.name ? " " + p.name : "");
  var box = el("div", { class: "popup" }, el("strong", { text: title }),
    el("div", { text: config.layerTitles[slug] || slug }));
  var results = (p.compliance && p.compliance.results) || [];
  if (!results.length) {
    box.appendChild(el("p", { class: "status-no_data", text: t("no_results") }));
    return box;
  }
  var table = el("table", {},
    el("tr", {}, el("th", { text: t("indicator") }), el("th", { text: t("value") }),
      el("th", { text: t("threshold") }), el("th", { text: t("status") })));
  results.forEach(function (r) {
    table.appendChild(el("tr", { "data-indicator": r.indicator },
      el("td", { text: r.name }),
      el("td", { text: valueText(r.value, r.unit) }),
      el("td", { text: valueText(r.threshold, r.unit) }),
      el("td", { class: "status-" + r.status, text: t(r.status) })));
    table.appendChild(el("tr", {}, el("td", { colspan: "4", class: "explanation",
      // the explanation cites its source and clause; cite it once
      text: r.explanation + (r.source && r.explanation.indexOf(r.source) < 0 ? " [" + r.source + "]" : "") })));
  });
  box.appendChild(el("div", { text: t("year") + " " + p.compliance.year }));
  box.appendChild(table);
  return box;
}

function openPopup(slug, id, latlng) {
  return featureOf(slug, id).then(function (feature) {
    var where = latlng || L.geoJSON(feature).getBounds().getCenter();
    var content = popupContent(slug, feature);
    L.popup({ maxWidth: 460 }).setLatLng(where).setContent(content).openOn(state.map);
    rasterPopup(slug, feature, content);
    return feature;
  });
}

function zoomTo(slug, id) {
  return featureOf(slug, id).then(function (feature) {
    var bounds = L.geoJSON(feature).getBounds();
    state.map.fitBounds(bounds, { maxZoom: 16, padding: [30, 30] });
    return openPopup(slug, id, bounds.getCenter());
  });
}

/* ---- layers -------------------------------------------------------------------------- */
function geojsonLayer(slug, data) {
  return L.geoJSON(data, {
    style: function (f) { return featureStyle(slug, f.properties); },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, featureStyle(slug, f.properties));
    },
    filter: function (f) { return visible(f.properties, slug); },
    onEachFeature: function (f, layer) {
      layer.on("click", function (e) { openPopup(slug, f.id, e.latlng); });
      layer.feature.slug = slug;
    },
  });
}

function loadGeoJSON(spec) {
  var url = config.urls.api + "layers/" + spec.slug + "/features/";
  return getJSON(url, { page_size: 5000, year: state.year }).then(function (data) {
    var entry = state.geojson[spec.slug] || {};
    entry.data = data;
    var fresh = geojsonLayer(spec.slug, data);
    if (entry.layer) {
      entry.layer.clearLayers();
      fresh.eachLayer(function (l) { entry.layer.addLayer(l); });
    } else {
      entry.layer = fresh;
      state.overlays[spec.title] = fresh;
      if (spec.default_on) { fresh.addTo(state.map); }
    }
    state.geojson[spec.slug] = entry;
    return entry;
  });
}

function refilterGeoJSON() {
  Object.keys(state.geojson).forEach(function (slug) {
    var entry = state.geojson[slug];
    var fresh = geojsonLayer(slug, entry.data);
    entry.layer.clearLayers();
    fresh.eachLayer(function (l) { entry.layer.addLayer(l); });
  });
}

function tileUrl(slug) {
  return withQuery(config.urls.tiles + slug + "/{z}/{x}/{y}.pbf", { year: state.year });
}

function tileLayer(spec) {
  var styles = {};
  styles[spec.slug] = function (props) {
    if (!visible(props, spec.slug)) { return []; }
    return featureStyle(spec.slug, props);
  };
  var layer = L.vectorGrid.protobuf(tileUrl(spec.slug), {
    rendererFactory: L.canvas.tile,
    interactive: true,
    vectorTileLayerStyles: styles,
    // The id comes once, as the MVT feature id; the popups read it with the attributes.
    getFeatureId: function (f) { f.properties.id = f.id; return f.id; },
    minZoom: spec.min_zoom || 0,
    maxNativeZoom: 18,
    maxZoom: 20,
    fetchOptions: { credentials: "same-origin" },
  });
  layer.on("click", function (e) {
    var props = e.layer && e.layer.properties;
    if (props) { openPopup(spec.slug, props.id, e.latlng); }
  });
  state.tiles[spec.slug] = layer;
  state.overlays[spec.title] = layer;
  if (spec.default_on) { layer.addTo(state.map); }
  return layer;
}

/* ---- side panel ---------------------------------------------------------------------- */
var VERDICT_CLASS = { passed: "passed", failed: "failed", cannot_be_judged: "open", no_data: "open" };

function lineNames(card, codes) {
  var names = {};
  (card.lines || []).forEach(function (l) { names[l.code] = l.name; });
  return (codes || []).map(function (c) { return names[c] || c; }).join("、");
}

function lineList(lines, cls) {
  var list = el("ul", { class: "list" });
  lines.forEach(function (l) {
    list.appendChild(el("li", { class: cls || "status-" + l.status, title: l.explanation,
      text: l.name + ": " + valueText(l.value, l.unit) + (l.verified ? "" : " (" + t("unverified") + ")") }));
  });
  return list;
}

function renderScorecard(card) {
  var box = document.getElementById("scorecard");
  box.textContent = "";
  var verdict = card.verdict || "no_data";
  box.appendChild(el("div", {}, t("scorecard") + " " + card.area_name + " " + card.year));
  box.appendChild(el("div", { class: "total" },
    card.total + " / " + card.max_total + " " + t("points")));
  box.appendChild(el("div", {}, t("pass_line") + " " + card.pass_line + " " + t("points") +
    (card.pass_line_verified ? "" : " (" + t("unverified") + ")")));
  box.appendChild(el("div", { class: VERDICT_CLASS[verdict] || "open", id: "verdict",
    "data-verdict": verdict, text: t("verdict_" + verdict) }));
  if (card.evaluated !== false) {
    box.appendChild(el("div", { class: "attainable", text: t("maximum_attainable") + " " +
      card.maximum_attainable + " " + t("points") + " · " + t("unjudged_points") + " " +
      card.unjudged_points + " " + t("points") }));
  }
  if (card.vetoed_by && card.vetoed_by.length) {
    box.appendChild(el("div", { class: "failed", text: t("vetoed_by") + " " + lineNames(card, card.vetoed_by) }));
  }
  if (card.prerequisites_without_data && card.prerequisites_without_data.length) {
    box.appendChild(el("div", { class: "open", text: t("prerequisites_without_data") + " " +
      lineNames(card, card.prerequisites_without_data) }));
  }
  var standard = (card.lines || []).filter(function (l) {
    return l.assessment === "standard_2017" && l.status === "non_compliant";
  });
  box.appendChild(lineList(standard));
  if (card.unjudged && card.unjudged.length) {
    box.appendChild(el("h3", { text: t("unjudged") }));
    var list = el("ul", { class: "list unjudged" });
    card.unjudged.forEach(function (u) {
      list.appendChild(el("li", { class: "status-no_data", title: u.needs,
        text: u.name + " (" + u.points + " " + t("points") + ")" }));
    });
    box.appendChild(list);
  }
  (card.other_assessments || []).forEach(function (group) {
    var failing = group.lines.filter(function (l) { return l.status === "non_compliant"; });
    if (!failing.length) { return; }
    box.appendChild(el("h3", { text: group.name + " · " + t("not_counted") }));
    box.appendChild(lineList(failing));
  });
}

function renderFailures(data) {
  // The server says what fails (compliance.selectors.results_failing: no bonus items, no
  // county lines), as the report, its PDF and the offline export do; one entry per feature.
  var box = document.getElementById("failures");
  box.textContent = "";
  var byLayer = {};
  data.results.forEach(function (r) {
    var features = byLayer[r.layer] = byLayer[r.layer] || {};
    var key = String(r.feature_id);
    (features[key] = features[key] || []).push(r);
  });
  config.layers.forEach(function (spec) {
    var features = byLayer[spec.slug];
    if (!features) { return; }
    var ids = Object.keys(features).sort(function (a, b) {
      return features[a][0].feature_code < features[b][0].feature_code ? -1 : 1;
    });
    box.appendChild(el("h3", { text: spec.title + " (" + ids.length + ")" }));
    var list = el("ul", { class: "list", "data-layer": spec.slug });
    ids.forEach(function (id) {
      var first = features[id][0];
      // a person reads the feature's name; the code follows as the detail it is
      var name = first.feature_name ? first.feature_name + "（" + first.feature_code + "）" : first.feature_code;
      var why = features[id].map(function (r) { return r.name + " " + valueText(r.value, r.unit); });
      var li = el("li", { tabindex: "0", "data-feature": id, text: name + " · " + why.join("；") });
      li.addEventListener("click", function () { zoomTo(spec.slug, first.feature_id); });
      li.addEventListener("keydown", function (e) { if (e.key === "Enter") { zoomTo(spec.slug, first.feature_id); } });
      list.appendChild(li);
    });
    box.appendChild(list);
  });
}

function loadPanel() {
  return Promise.all([
    getJSON(config.urls.api + "compliance/scorecard/", { year: state.year }).then(renderScorecard),
    getJSON(config.urls.api + "compliance/results/",
      { year: state.year, failing: "true", page_size: 1000 }).then(renderFailures),
  ]);
}

function updateLinks() {
  document.getElementById("export-map").href = withQuery(config.urls.export_map, { year: state.year });
  document.getElementById("report").href = withQuery(config.urls.report, { year: state.year });
}

/* ---- legend -------------------------------------------------------------------------- */
/* One block per layer shown, in the layers' order, its rows made by the function that draws
   the features (styles.js legendRows → featureLook); layers whose legends read the same (the
   zones under their verdicts) share one block, titled with all their names. */
function renderLegend() {
  var box = document.getElementById("legend");
  box.textContent = "";
  var blocks = [];
  config.layers.forEach(function (spec) {
    var layer = state.geojson[spec.slug] ? state.geojson[spec.slug].layer : state.tiles[spec.slug];
    if (!layer || !state.map.hasLayer(layer) || !state.styles[spec.slug]) { return; }
    if (spec.tiled && state.map.getZoom() < spec.min_zoom) { return; }  // not drawn yet: greyed in the switcher
    var rows = legendRows(state.styles[spec.slug], state.styles.compliance, config.lang);
    var same = blocks.filter(function (b) {
      return b.geometry === spec.geometry_type && sameLegend(b.rows, rows);
    })[0];
    if (same) { same.titles.push(spec.title); same.slugs.push(spec.slug); return; }
    blocks.push({ slug: spec.slug, slugs: [spec.slug], titles: [spec.title], rows: rows,
      geometry: spec.geometry_type });
  });
  var separator = config.lang && config.lang.indexOf("en") === 0 ? ", " : "、";
  blocks.forEach(function (b) {
    var block = legendBlock(state.styles[b.slug], b.titles.join(separator), config.lang,
      state.styles.compliance, b.rows);
    block.setAttribute("data-layers", b.slugs.join(" "));
    box.appendChild(block);
  });
  box.hidden = blocks.length === 0;
}

/* ---- search -------------------------------------------------------------------------- */
function search(term) {
  var list = document.getElementById("search-results");
  list.textContent = "";
  if (!term) { return Promise.resolve(); }
  return getJSON(config.urls.api + "search/", { q: term }).then(function (data) {
    if (!data.results.length) { list.appendChild(el("li", { text: t("nothing_found") })); }
    data.results.forEach(function (hit) {
      var li = el("li", { tabindex: "0",
        text: hit.code + " " + (hit.name || "") + " · " + (config.layerTitles[hit.layer] || hit.layer) });
      li.addEventListener("click", function () { zoomTo(hit.layer, hit.id); });
      list.appendChild(li);
    });
  });
}

/* ---- the city's counties ------------------------------------------------------------- */
/* The counties of the city (compliance/city/), outlined in the look of their verdict (passed:
   compliant, failed: non-compliant, else no data: styles/compliance.json, as every verdict on
   the map), a popup naming the county's score; an overlay of the switcher, drawn under the
   layers. Shown only where the city has more than one county the user may see. */
const COUNTY_STATE = { passed: "compliant", failed: "non_compliant" };
const COUNTY_LOOK = { geometry: "Polygon", verdicts: true, stroke_color: "#333333",
  stroke_width: 2.5, fill_opacity: 0.12 };

function countyPopup(props, city) {
  var box = el("div", { class: "county-popup" });
  box.appendChild(el("strong", { text: props.name }));
  var score = props.total === null ? "" : props.total + " " + t("points") + " (" +
    t("pass_line") + " " + props.pass_line + " " + t("points") + ") · ";
  box.appendChild(el("div", { text: score + t("verdict_" + (props.verdict || "no_data")) }));
  box.appendChild(el("a", { href: withQuery(config.urls.report, { area: props.code, year: state.year }),
    text: t("county_report") }));
  box.appendChild(el("span", { text: " · " }));
  box.appendChild(el("a", { href: withQuery(config.urls.city_report, { area: city, year: state.year }),
    text: t("city_report") }));
  return box;
}

function loadCounties(switcher) {
  return getJSON(config.urls.api + "compliance/city/", { year: state.year }).then(function (data) {
    if (state.counties) { state.map.removeLayer(state.counties); switcher.removeLayer(state.counties); }
    state.counties = null;
    if (data.counties.features.length < 2) { return; }
    state.counties = L.geoJSON(data.counties, {
      style: function (f) {
        return featureLook(COUNTY_LOOK, state.styles.compliance,
          { status: COUNTY_STATE[f.properties.verdict] || "no_data" });
      },
      onEachFeature: function (f, layer) {
        layer.bindPopup(function () { return countyPopup(f.properties, data.area); });
      },
    }).addTo(state.map);
    state.counties.bringToBack();
    switcher.addOverlay(state.counties, t("county_verdicts") + "（" + data.area_name + "）");
  }).catch(function (err) { console.warn(err); });
}

/* ---- wiring -------------------------------------------------------------------------- */
function reloadYear() {
  state.map.closePopup();  // an open popup speaks of the year before
  updateLinks();
  if (state.counties) { loadCounties(state.switcher); }
  Object.keys(state.tiles).forEach(function (slug) { state.tiles[slug].setUrl(tileUrl(slug)); });
  return Promise.all(config.layers.filter(function (s) { return !s.tiled; }).map(loadGeoJSON)
    .concat([loadPanel()]));
}

function init(map) {
  state.map = map;
  // The layer switcher first, so it always sits above the raster panel (both top right);
  // its entries are added once every layer is loaded, in the configured order.
  var switcher = state.switcher = L.control.layers(null, {}, { collapsed: false, position: "topright" }).addTo(map);
  initRasters(map, config);
  zoomLevelControl(map, t("zoom_level"));
  var b = config.county_bbox;
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  loadStyles().then(function () {
    installPatterns(state.styles.compliance || {});
    config.layers.forEach(function (spec) { if (spec.tiled) { tileLayer(spec); } });
    return Promise.all(config.layers.filter(function (s) { return !s.tiled; }).map(loadGeoJSON));
  }).then(function () {
    config.layers.forEach(function (spec) {
      if (state.overlays[spec.title]) { switcher.addOverlay(state.overlays[spec.title], spec.title); }
      // Stacked in the configured order whatever order they loaded in: the towns' fill at
      // the bottom, the roads (context) above it and under the water and the rest.
      if (state.geojson[spec.slug]) { state.geojson[spec.slug].layer.bringToFront(); }
    });
    var names = placeNamesLayer(map, config.placeNames).addTo(map);
    state.overlays[t("place_names")] = names;
    switcher.addOverlay(names, t("place_names"));
    map.on("overlayadd overlayremove zoomend", renderLegend);
    renderLegend();
    return loadCounties(switcher);
  }).then(function () {
    document.body.setAttribute("data-map-ready", "1");
  }).catch(function (err) { console.warn(err); });
  loadPanel();
  updateLinks();
  document.getElementById("year").addEventListener("change", function (e) {
    state.year = parseInt(e.target.value, 10);
    document.body.removeAttribute("data-map-ready");
    reloadYear().then(function () { document.body.setAttribute("data-map-ready", "1"); });
  });
  document.getElementById("only-failures").addEventListener("change", function (e) {
    state.onlyFailures = e.target.checked;
    refilterGeoJSON();
    Object.keys(state.tiles).forEach(function (slug) { state.tiles[slug].redraw(); });
  });
  var timer = null;
  document.getElementById("search-q").addEventListener("input", function (e) {
    clearTimeout(timer);
    var term = e.target.value.trim();
    timer = setTimeout(function () { search(term); }, 250);
  });
  document.getElementById("search").addEventListener("submit", function (e) {
    e.preventDefault();
    search(document.getElementById("search-q").value.trim());
  });
}

/* ---- start --------------------------------------------------------------------------- */
onMapInit("map", init);
expose("map", state);

/* The planners' consumption query: form ⇄ URL, results table, monthly trend chart (ECharts),
   zones coloured by a measure (Leaflet), a drawn polygon summed by the API (Leaflet-Geoman),
   CSV/XLSX links. Labels come translated from the server; data text goes in with textContent. */
import { getJSON, postJSON, query } from "./api.js";
import { el } from "./dom.js";
import { onMapInit, readConfig, translator } from "./page.js";
import { placeNamesLayer, zoomLevelControl } from "./place-names.js";
import { expose } from "./test-hook.js";

const config = readConfig("consumption-config");
var COLOURS = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
var NO_DATA = "#d9d9d9";
var DRAWN_STYLE = { color: "#d95f0e", weight: 3, fillOpacity: 0.05 };
const state = { map: null, zoneLayer: null, features: {}, drawn: null, chart: null, runs: 0 };
const form = document.getElementById("query-form");

const t = translator(config.labels);

function fmt(value, digits) {
  if (value === null || value === undefined) { return "—"; }
  var d = digits === null || digits === undefined ? 2 : digits;
  return Number(value).toLocaleString(config.lang, { minimumFractionDigits: d, maximumFractionDigits: d });
}

/* A zone by its name, its code after it (codes only as a secondary detail). */
function zoneLabel(z) {
  if (!z.name) { return z.code; }
  return (config.lang || "").indexOf("zh") === 0 ? z.name + "（" + z.code + "）" : z.name + " (" + z.code + ")";
}

function zoneType(value) {
  return config.zone_types.filter(function (z) { return z.value === value; })[0] || config.zone_types[0];
}

function measure(key) {
  return config.measures.filter(function (m) { return m.key === key; })[0] || config.measures[0];
}

/* ---- form ⇄ URL ------------------------------------------------------------------------ */
function fillZones(type, selected) {
  var select = document.getElementById("zones");
  select.textContent = "";
  zoneType(type).zones.forEach(function (z) {
    var option = el("option", { value: z.code, text: zoneLabel(z) });
    option.selected = selected.indexOf(z.code) >= 0;
    select.appendChild(option);
  });
  var town = zoneType(type).stats;
  Array.prototype.forEach.call(document.getElementById("measure").options, function (o) {
    o.disabled = !town && measure(o.value).town_only;
  });
  var m = document.getElementById("measure");
  if (m.options[m.selectedIndex].disabled) { m.value = config.measures[0].key; }
}

function formParams() {
  var data = new FormData(form);
  return {
    zone_type: data.get("zone_type"),
    zones: data.getAll("zones").join(","),
    start: data.get("start") || "",
    end: data.get("end") || "",
    sector: data.get("sector") || "",
    source: data.get("source") || "",
    group_by: data.getAll("group_by").join(",") || "zone",
    compare: data.get("compare") || "",
    measure: data.get("measure") || config.measures[0].key,
    area: state.drawn ? encodeArea(state.drawn) : "",
  };
}

function applyParams(p) {
  document.getElementById("zone-type").value = zoneType(p.get("zone_type")).value;
  if (p.get("measure")) { document.getElementById("measure").value = measure(p.get("measure")).key; }
  fillZones(document.getElementById("zone-type").value, (p.get("zones") || "").split(","));
  ["start", "end", "sector", "source"].forEach(function (name) {
    if (p.get(name) !== null) { form.elements[name].value = p.get(name); }
  });
  if (p.get("group_by")) {
    var keys = p.get("group_by").split(",");
    form.querySelectorAll("input[name=group_by]").forEach(function (box) {
      box.checked = keys.indexOf(box.value) >= 0;
    });
  }
  document.getElementById("compare").checked = p.get("compare") === "previous_year";
}

function apiParams(p, overrides) {
  var out = { zone_type: p.zone_type, zones: p.zones, start: p.start, end: p.end,
    sector: p.sector, source: p.source, group_by: p.group_by, compare: p.compare };
  Object.keys(overrides || {}).forEach(function (k) { out[k] = overrides[k]; });
  return out;
}

/* ---- errors ------------------------------------------------------------------------------ */
/* An ApiError as one line: the server's (translated) message, then each field's problems. */
function errorText(err) {
  var details = Object.keys(err.details || {}).map(function (k) {
    return k + ": " + [].concat(err.details[k]).join(" ");
  });
  return [err.message || String(err.status)].concat(details).join(" ");
}

/* ---- table ------------------------------------------------------------------------------- */
function cellText(key, value) {
  if (key === "sector") { return config.sectors[value] || value || "—"; }
  var column = config.columns[key] || {};
  if (column.digits === null || column.digits === undefined) { return value === null ? "—" : String(value); }
  return fmt(value, column.digits);
}

function renderTable(data) {
  var table = document.getElementById("results");
  var head = table.querySelector("thead");
  var body = table.querySelector("tbody");
  head.textContent = "";
  body.textContent = "";
  var row = el("tr");
  data.columns.forEach(function (c) { row.appendChild(el("th", { scope: "col", "data-key": c.key, text: c.label })); });
  head.appendChild(row);
  if (!data.results.length) {
    body.appendChild(el("tr", {}, el("td", { colspan: String(data.columns.length), text: t("no_results") })));
  }
  data.results.forEach(function (r) {
    var tr = el("tr");
    data.columns.forEach(function (c) {
      var numeric = (config.columns[c.key] || {}).digits !== null && (config.columns[c.key] || {}).digits !== undefined;
      tr.appendChild(el("td", { class: numeric ? "num" : "", "data-key": c.key, text: cellText(c.key, r[c.key]) }));
    });
    body.appendChild(tr);
  });
}

/* ---- chart ------------------------------------------------------------------------------- */
function renderChart(rows, compare) {
  var box = document.getElementById("chart");
  if (!state.chart) { state.chart = echarts.init(box, null, { renderer: "canvas" }); }
  var series = [{ name: t("this_period"), type: "bar", data: rows.map(function (r) { return r.volume_m3; }),
    itemStyle: { color: "#3182bd" } }];
  if (compare) {
    series.push({ name: t("same_period_last_year"), type: "line",
      data: rows.map(function (r) { return r.previous_volume_m3; }), itemStyle: { color: "#e6550d" } });
  }
  state.chart.setOption({
    animation: false,
    title: { text: t("monthly_totals") + " (m³)", left: "center", textStyle: { fontSize: 13 } },
    tooltip: { trigger: "axis" },
    legend: { bottom: 0 },
    grid: { left: 80, right: 20, top: 40, bottom: 50 },
    xAxis: { type: "category", data: rows.map(function (r) { return r.month; }) },
    yAxis: { type: "value", name: "m³" },
    series: series,
  }, true);
}

/* ---- map --------------------------------------------------------------------------------- */
function loadFeatures(type) {
  var slug = zoneType(type).layer;
  if (state.features[slug]) { return Promise.resolve(state.features[slug]); }
  return getJSON(config.urls.features + slug + "/features/", { page_size: 1000 })
    .then(function (data) { state.features[slug] = data; return data; });
}

function breaksOf(values) {
  var sorted = values.slice().sort(function (a, b) { return a - b; });
  var out = [];
  for (var k = 1; k < COLOURS.length; k++) {
    var b = sorted[Math.min(sorted.length - 1, Math.floor(k * sorted.length / COLOURS.length))];
    if (out.indexOf(b) < 0 && b < sorted[sorted.length - 1]) { out.push(b); }
  }
  return { min: sorted[0], max: sorted[sorted.length - 1], breaks: out };
}

function colourOf(value, classes) {
  if (value === null || value === undefined || !classes) { return NO_DATA; }
  var i = 0;
  while (i < classes.breaks.length && value > classes.breaks[i]) { i++; }
  var step = classes.breaks.length ? Math.round(i * (COLOURS.length - 1) / classes.breaks.length) : COLOURS.length - 1;
  return COLOURS[step];
}

function renderLegend(m, classes) {
  var box = document.getElementById("legend");
  box.textContent = "";
  box.appendChild(el("h4", { text: m.label + " (" + m.unit + ") · " + t("legend_classes") }));
  var digits = (config.columns[m.key] || {}).digits;
  if (classes) {
    var edges = [classes.min].concat(classes.breaks).concat([classes.max]);
    for (var i = 0; i < edges.length - 1; i++) {
      box.appendChild(el("div", { class: "row" },
        el("span", { class: "swatch", style: "background:" + colourOf(edges[i + 1], classes) }),
        el("span", { text: fmt(edges[i], digits) + " – " + fmt(edges[i + 1], digits) + " " + m.unit })));
    }
  }
  box.appendChild(el("div", { class: "row" }, el("span", { class: "swatch", style: "background:" + NO_DATA }),
    el("span", { text: t("no_data") })));
}

function renderMap(type, rows, measureKey) {
  var m = measure(measureKey);
  var byCode = {};
  rows.forEach(function (r) { byCode[r.zone_code] = r; });
  var values = rows.map(function (r) { return r[m.key]; }).filter(function (v) { return v !== null && v !== undefined; });
  var classes = values.length ? breaksOf(values) : null;
  return loadFeatures(type).then(function (data) {
    if (state.zoneLayer) { state.map.removeLayer(state.zoneLayer); }
    var shown = data.features.filter(function (f) { return byCode[f.properties.code]; });
    state.zoneLayer = L.geoJSON({ type: "FeatureCollection", features: shown }, {
      pmIgnore: true,
      style: function (f) {
        var r = byCode[f.properties.code];
        return { color: "#444", weight: 1, fillOpacity: 0.75, fillColor: colourOf(r ? r[m.key] : null, classes) };
      },
      onEachFeature: function (f, layer) {
        var r = byCode[f.properties.code] || {};
        var digits = (config.columns[m.key] || {}).digits;
        layer.bindTooltip(el("div", { text: f.properties.code + " " + (f.properties.name || "") + ": " +
          fmt(r[m.key], digits) + " " + m.unit }));
      },
    }).addTo(state.map);
    state.zoneLayer.bringToBack();
    renderLegend(m, classes);
    if (shown.length) { state.map.fitBounds(state.zoneLayer.getBounds(), { padding: [10, 10] }); }
  });
}

/* ---- drawn area -------------------------------------------------------------------------- */
function encodeArea(layer) {
  var ring = layer.toGeoJSON().geometry.coordinates[0];
  return ring.map(function (c) { return c[0].toFixed(5) + "," + c[1].toFixed(5); }).join(";");
}

function decodeArea(text) {
  var ring = text.split(";").map(function (pair) {
    var xy = pair.split(",").map(Number);
    return [xy[1], xy[0]];
  }).filter(function (ll) { return isFinite(ll[0]) && isFinite(ll[1]); });
  return ring.length >= 3 ? ring : null;
}

function renderArea(data) {
  var box = document.getElementById("area-result");
  box.textContent = "";
  var table = el("table", {},
    el("tr", {}, el("td", { text: t("area_total") }), el("td", { class: "num", id: "area-total",
      "data-value": String(data.total.volume_m3),
      "data-users-value": String(data.total.users_volume_m3), text: fmt(data.total.volume_m3, 0) + " m³" })),
    el("tr", {}, el("td", { text: t("area_users") }), el("td", { class: "num", text: String(data.users) })),
    el("tr", {}, el("td", { text: t("area_size") }), el("td", { class: "num", text: fmt(data.area_km2, 1) + " km²" })));
  data.by_sector.forEach(function (r) {
    table.appendChild(el("tr", {}, el("td", { text: cellText("sector", r.sector) }),
      el("td", { class: "num", text: fmt(r.volume_m3, 0) + " m³" })));
  });
  box.appendChild(table);
}

function queryArea() {
  document.body.removeAttribute("data-area-ready");
  var box = document.getElementById("area-result");
  if (!state.drawn) { box.textContent = ""; return Promise.resolve(); }
  var p = formParams();
  box.textContent = t("loading");
  var body = { geometry: state.drawn.toGeoJSON().geometry, start: p.start, end: p.end };
  if (p.sector) { body.sector = p.sector; }
  if (p.source) { body.source = p.source; }
  return postJSON(config.urls.area, body).then(renderArea).catch(function (err) {
    box.textContent = "";
    box.appendChild(el("p", { class: "error", text: t("error") + " " + errorText(err) }));
  }).then(function () {
    history.replaceState(null, "", "?" + query(formParams()));
    document.body.setAttribute("data-area-ready", "1");
  });
}

function setDrawn(layer) {
  if (state.drawn && state.drawn !== layer) { state.map.removeLayer(state.drawn); }
  state.drawn = layer;
  if (layer) { layer.setStyle(DRAWN_STYLE); layer.on("pm:edit", queryArea); }
}

/* ---- running a query --------------------------------------------------------------------- */
function run() {
  var p = formParams();
  var error = document.getElementById("query-error");
  error.textContent = "";
  document.body.removeAttribute("data-consumption-ready");
  history.replaceState(null, "", "?" + query(p));
  var base = apiParams(p);
  document.getElementById("download-csv").href = config.urls.api + "?" + query(apiParams(p, { format: "csv" }));
  document.getElementById("download-xlsx").href = config.urls.api + "?" + query(apiParams(p, { format: "xlsx" }));
  var mapCompare = p.compare || (p.measure === "change_percent" ? "previous_year" : "");
  var table = getJSON(config.urls.api, base);
  var chart = p.group_by === "month" ? table : getJSON(config.urls.api, apiParams(p, { group_by: "month" }));
  var zones = p.group_by === "zone" && mapCompare === p.compare ? table
    : getJSON(config.urls.api, apiParams(p, { group_by: "zone", compare: mapCompare }));
  state.runs += 1;
  return Promise.all([
    table.then(renderTable),
    chart.then(function (d) { renderChart(d.results, !!p.compare); }),
    zones.then(function (d) { return renderMap(p.zone_type, d.results, p.measure); }),
    queryArea(),
  ]).catch(function (err) {
    error.textContent = t("error") + " " + errorText(err);
  }).then(function () { document.body.setAttribute("data-consumption-ready", String(state.runs)); });
}

function init(map) {
  state.map = map;
  var b = config.county_bbox;
  map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  placeNamesLayer(map, config.placeNames).addTo(map);  // the towns' names over the choropleth
  zoomLevelControl(map, t("zoom_level"));
  map.pm.setLang((config.lang || "").indexOf("zh") === 0 ? "zh" : "en");
  map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false,
    drawPolyline: false, drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false,
    dragMode: false, editMode: true, removalMode: true, drawRectangle: true, drawPolygon: true });
  map.on("pm:create", function (e) { setDrawn(e.layer); queryArea(); });
  map.on("pm:remove", function (e) { if (e.layer === state.drawn) { state.drawn = null; queryArea(); } });
  var params = new URLSearchParams(window.location.search);
  applyParams(params);
  var ring = params.get("area") ? decodeArea(params.get("area")) : null;
  if (ring) { setDrawn(L.polygon(ring, DRAWN_STYLE).addTo(map)); }
  document.getElementById("zone-type").addEventListener("change", function (e) { fillZones(e.target.value, []); });
  form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
  window.addEventListener("resize", function () { if (state.chart) { state.chart.resize(); } });
  run();
}

onMapInit("consumption-map", init);
expose("consumption", state);

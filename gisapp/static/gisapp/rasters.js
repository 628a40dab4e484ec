/* Raster layers on the officials' map: their own control (checkbox, opacity slider and legend
   per raster, apart from the vector layer switcher), the values under a click, and zonal
   statistics added to polygon features' popups. Text is inserted with textContent only. */
import { getJSON } from "./api.js";
import { el } from "./dom.js";

const POLYGON_LAYERS = ["towns", "irrigation-districts", "water-function-zones", "supply-zones"];
const state = { map: null, config: null, rasters: [], overlays: {}, hillshade: null, ready: false };

function t(key) { return (state.config.rasters.labels || {})[key] || key; }

function number(v, digits) {
  if (v === null || v === undefined) { return "—"; }
  return Number(v).toLocaleString(state.config.lang === "en" ? "en" : "zh-CN",
    { maximumFractionDigits: digits === undefined ? 1 : digits });
}

/* ---- legend ---------------------------------------------------------------------------- */
function legend(r) {
  var box = el("div", { class: "raster-legend", "data-raster": r.slug });
  if (r.legend.classes) {
    r.legend.classes.forEach(function (c) {
      box.appendChild(el("div", { class: "raster-class" },
        el("span", { class: "swatch", style: "background:" + c.color }),
        el("span", { text: c.label })));
    });
    return box;
  }
  var stops = r.legend.ramp;
  var lo = stops[0].value, hi = stops[stops.length - 1].value;
  var gradient = stops.map(function (s) {
    return s.color + " " + ((s.value - lo) / (hi - lo) * 100).toFixed(1) + "%";
  }).join(", ");
  box.appendChild(el("div", { class: "ramp", style: "background:linear-gradient(to right, " + gradient + ")" }));
  box.appendChild(el("div", { class: "ramp-labels" },
    el("span", { text: number(lo, 0) }), el("span", { text: number(hi, 0) + " " + r.unit })));
  return box;
}

/* ---- the control ----------------------------------------------------------------------- */
function row(r) {
  var id = "raster-" + r.slug;
  var check = el("input", { type: "checkbox", id: id, "data-raster": r.slug });
  var slider = el("input", { type: "range", min: "0", max: "100", value: String(Math.round(r.opacity * 100)),
    "aria-label": t("opacity") + " " + r.title, class: "raster-opacity", "data-raster": r.slug });
  var key = legend(r);
  key.hidden = true;
  check.addEventListener("change", function () {
    var overlay = state.overlays[r.slug];
    if (check.checked) { overlay.addTo(state.map); } else { state.map.removeLayer(overlay); }
    key.hidden = !check.checked;
  });
  slider.addEventListener("input", function () {
    state.overlays[r.slug].setOpacity(slider.value / 100);
  });
  return el("div", { class: "raster-row" },
    el("label", { for: id }, check, el("span", { text: " " + r.title })),
    el("div", { class: "raster-slider" }, el("span", { text: t("opacity") + " " }), slider),
    key);
}

/* The terrain's hillshade: the map's own basemap, on by default, under every layer. */
function hillshadeLayer(r) {
  if (!state.map.getPane("basemap")) {
    var pane = state.map.createPane("basemap");
    pane.style.zIndex = "250";  // above tiles (200), below the layers (400)
    pane.style.pointerEvents = "none";
  }
  return L.imageOverlay(r.hillshade, r.overlay.bounds,
    { opacity: 0.45, pane: "basemap", className: "hillshade", interactive: false });
}

function hillshadeRow() {
  var check = el("input", { type: "checkbox", id: "raster-hillshade", checked: "checked" });
  check.addEventListener("change", function () {
    if (check.checked) { state.hillshade.addTo(state.map); } else { state.map.removeLayer(state.hillshade); }
  });
  return el("div", { class: "raster-row" },
    el("label", { for: "raster-hillshade" }, check, el("span", { text: " " + t("hillshade") })));
}

function buildControl() {
  var Control = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      var div = el("div", { class: "raster-control leaflet-bar", "aria-label": t("rasters") });
      div.appendChild(el("strong", { text: t("rasters") }));
      if (state.hillshade) { div.appendChild(hillshadeRow()); }
      state.rasters.forEach(function (r) { div.appendChild(row(r)); });
      div.appendChild(el("div", { id: "raster-value", class: "raster-value", "aria-live": "polite",
        text: t("click_hint") }));
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    },
  });
  new Control().addTo(state.map);
}

/* ---- values under a click -------------------------------------------------------------- */
function visibleRasters() {
  return state.rasters.filter(function (r) { return state.map.hasLayer(state.overlays[r.slug]); });
}

function showValues(latlng) {
  var shown = visibleRasters();
  if (!shown.length) { return Promise.resolve(); }
  const at = { lon: latlng.lng.toFixed(6), lat: latlng.lat.toFixed(6) };
  return Promise.all(shown.map(function (r) {
    return getJSON(r.links.value, at).then(function (v) { return { raster: r, value: v }; });
  })).then(function (answers) {
    var box = document.getElementById("raster-value");
    box.textContent = "";
    answers.forEach(function (a) {
      var v = a.value;
      var text = v.value === null ? t("no_value")
        : (v.class_label ? v.class_label : number(v.value, 1) + " " + (v.unit || ""));
      box.appendChild(el("div", { "data-raster": a.raster.slug, class: "value-line" },
        el("span", { text: a.raster.title + ": " }), el("b", { text: text })));
    });
  }).catch(function (err) { console.warn(err); });
}

/* ---- zonal statistics in popups -------------------------------------------------------- */
function zonalLines(r, item) {
  if (r.kind === "categorical") {
    var classes = (item.classes || []).filter(function (c) { return c.area_mu > 0; });
    return classes.map(function (c) {
      return c.label + " " + number(c.area_mu, 0) + " " + t("mu") + " (" + number(c.share * 100, 1) + "%)";
    });
  }
  return [t("mean") + " " + number(item.mean, 1) + " " + r.unit + " · " + t("min") + " " +
    number(item.min, 1) + " · " + t("max") + " " + number(item.max, 1) + " " + r.unit];
}

/* Adds the rasters' zonal statistics of a polygon feature to its popup's content (box). */
export function rasterPopup(slug, feature, box) {
  if (!state.ready || POLYGON_LAYERS.indexOf(slug) < 0 || !state.rasters.length) { return; }
  var code = feature.properties && feature.properties.code;
  if (!code) { return; }
  var section = el("div", { class: "raster-zonal" }, el("strong", { text: t("zonal") }));
  box.appendChild(section);
  state.rasters.forEach(function (r) {
    getJSON(r.links.zonal, { layer: slug, code: code }).then(function (data) {
      var item = data.results[0];
      if (!item) { return; }
      var block = el("div", { "data-raster": r.slug }, el("em", { text: r.title }));
      zonalLines(r, item).forEach(function (line) { block.appendChild(el("div", { text: line })); });
      section.appendChild(block);
      if (state.map._popup) { state.map._popup.update(); }
    }).catch(function (err) { console.warn(err); });
  });
}

/* The raster control and click values on the map, when the page config lists rasters. */
export function initRasters(map, config) {
  state.map = map;
  state.config = config;
  if (!config.rasters) { return; }
  getJSON(config.rasters.list).then(function (data) {
    state.rasters = data.rasters;
    state.rasters.forEach(function (r) {
      state.overlays[r.slug] = L.imageOverlay(r.overlay.url, r.overlay.bounds,
        { opacity: r.opacity, className: "raster-overlay raster-" + r.slug, interactive: false });
      if (r.hillshade && !state.hillshade) { state.hillshade = hillshadeLayer(r).addTo(map); }
    });
    if (state.rasters.length) { buildControl(); }
    map.on("click", function (e) { showValues(e.latlng); });
    state.ready = true;
    document.body.setAttribute("data-rasters-ready", "1");
  }).catch(function (err) { console.warn(err); });
}


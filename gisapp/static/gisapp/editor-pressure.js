/* "Low pressure" (低压节点) in the network editor: the junctions of the latest finished hydraulic
   run whose lowest pressure is below the minimum service pressure (GET
   /api/v1/network/hydraulics/runs/, then .../runs/<id>/?geojson=true&below=true), drawn red on
   the map, each with a popup (its lowest pressure in m and MPa, the minimum, the clause, the
   run's time), and summed up in the side panel's #pressure box. Only reads: nothing is written.
   The labels come translated in the template (data-label-*). */
import { getJSON } from "./api.js";
import { byId, el, show } from "./dom.js";
import { NOT_SNAPPED, state } from "./editor-context.js";
import { fail } from "./editor-messages.js";

export const PRESSURE_COLOR = "#d7191c";
const M_PER_MPA = 101.97;  // as network/hydraulics/selectors.py

let layer = null;

function box() { return byId("pressure"); }
function label(key) { return box().getAttribute("data-label-" + key); }

function fixed(value, digits) { return value === null || value === undefined ? "—" : Number(value).toFixed(digits); }

function when(iso) { return iso ? iso.slice(0, 16).replace("T", " ") : "—"; }

/* The popup of one node: a small definition list, built as text (never parsed as HTML). */
function popup(p, run) {
  const minM = run.options.min_pressure_m;
  const rows = [
    [label("node"), p.code],
    [label("lowest"), fixed(p.pressure_min_m, 2) + " m · " + fixed(p.pressure_min_m / M_PER_MPA, 3) + " MPa"],
    [label("steady"), fixed(p.pressure_steady_m, 2) + " m"],
    [label("minimum"), fixed(minM, 2) + " m · " + fixed(run.options.min_pressure_mpa, 2) + " MPa"],
    [label("demand"), fixed(p.demand_lps, 3) + " L/s"],
    [label("run"), "#" + run.id + " · " + when(run.created_at)],
  ];
  const dl = el("dl", { class: "props pressure-popup" });
  rows.forEach(([k, v]) => { dl.appendChild(el("dt", { text: k })); dl.appendChild(el("dd", { text: v })); });
  return el("div", {}, dl, el("p", { class: "pressure-clause", text: label("clause") }));
}

function draw(collection) {
  layer.clearLayers();
  const run = collection.run;
  collection.features.forEach((f) => {
    const c = f.geometry.coordinates;
    L.circleMarker([c[1], c[0]], Object.assign({}, NOT_SNAPPED, { pane: "editor-pressure", radius: 6,
      color: "#67000d", weight: 1.5, fillColor: PRESSURE_COLOR, fillOpacity: 0.9,
      className: "pressure-node" })).bindPopup(() => popup(f.properties, run)).addTo(layer);
  });
}

function summary(collection) {
  const b = box(), run = collection.run;
  byId("pressure-run").textContent = "#" + run.id + " · " + when(run.created_at) +
    (run.hours ? " · " + run.hours + " h" : "");
  byId("pressure-min").textContent = fixed(run.options.min_pressure_m, 2) + " m (" +
    fixed(run.options.min_pressure_mpa, 2) + " MPa)";
  byId("pressure-count").textContent = collection.features.length + " / " + run.node_count;
  b.setAttribute("data-run", String(run.id));
  b.setAttribute("data-below", String(collection.features.length));
  show(byId("pressure-none"), false);
  show(byId("pressure-figures"), true);
  show(b, true);
}

export function clearPressure() {
  if (layer) { layer.clearLayers(); }
  show(box(), false);
  box().removeAttribute("data-run");
}

/* The latest finished run's junctions below the minimum, drawn and summed up. */
export function showLowPressure() {
  const b = box();
  state.busy += 1;
  getJSON(b.getAttribute("data-runs-url")).then((list) => {
    const run = (list.runs || []).find((r) => r.status === "done");
    if (!run) {
      layer.clearLayers();
      show(byId("pressure-figures"), false);
      show(byId("pressure-none"), true);
      show(b, true);
      return null;
    }
    const url = b.getAttribute("data-run-url").replace("/0/", "/" + run.id + "/");
    return getJSON(url, { geojson: "true", below: "true" }).then((collection) => {
      draw(collection);
      summary(collection);
    });
  }).catch(fail).finally(() => { state.busy -= 1; });
}

export function bindPressure() {
  // Over the nodes (a click on a red dot opens its popup), under Leaflet's popups (700).
  state.map.createPane("editor-pressure").style.zIndex = 650;
  layer = L.featureGroup([], NOT_SNAPPED).addTo(state.map);
  byId("tool-pressure").addEventListener("click", showLowPressure);
  byId("pressure-clear").addEventListener("click", clearPressure);
}

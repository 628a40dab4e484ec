/* "Isolate a burst" (模拟爆管) in the network editor: for the selected pipe, the network API's
   isolation (GET /api/v1/network/pipes/<id>/isolation/?geometry=true) is drawn on the map —
   the valves to close, the isolated pipes, the pipes left without supply — and summed up in
   the side panel's #isolation box (counts, lengths, users and their demand in m³/day). It only
   reads: nothing is written. The box's labels come translated in the template. */
import { getJSON } from "./api.js";
import { byId, el, show } from "./dom.js";
import { NOT_SNAPPED, state } from "./editor-context.js";
import { fail } from "./editor-messages.js";

export const ISOLATION_COLORS = { isolated: "#d7191c", without_supply: "#984ea3", valve: "#111111",
  valveFill: "#ffd92f", source: "#1a9850" };

let layer = null;
let requested = 0;

function box() { return byId("isolation"); }

/* The isolation URL of a pipe, from the template's URL for pipe 0. */
function urlOf(pipeId) {
  return box().getAttribute("data-url").replace("/0/", "/" + pipeId + "/");
}

function lines(geometry, color, dashed) {
  if (!geometry) { return; }
  L.geoJSON(geometry, { pane: "editor-isolation", interactive: false, pmIgnore: true, snapIgnore: true,
    style: { color: color, weight: 7, opacity: 0.8, dashArray: dashed ? "8 6" : null } }).addTo(layer);
}

function point(node, color, fill, className) {
  const c = node.coordinates;
  L.circleMarker([c[1], c[0]], Object.assign({ radius: 9, color: color, weight: 3, fillColor: fill,
    fillOpacity: 1, interactive: false, className: className }, NOT_SNAPPED)).addTo(layer);
}

function zoomTo(node) {
  const c = node.coordinates;
  state.map.setView([c[1], c[0]], Math.max(state.map.getZoom(), 18));
}

function nodeItems(list, nodes) {
  list.textContent = "";
  nodes.forEach((node) => {
    const li = el("li", { tabindex: "0", "data-node": String(node.id), text: node.code });
    li.addEventListener("click", () => zoomTo(node));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") { zoomTo(node); } });
    list.appendChild(li);
  });
}

function amount(part) { return part.count + " · " + Math.round(part.length_m) + " m"; }

function summary(answer) {
  const b = box();
  byId("isolation-pipe").textContent = answer.pipe.code;
  byId("isolation-valves").textContent = String(answer.valves.length);
  byId("isolation-isolated").textContent = amount(answer.isolated);
  byId("isolation-without-supply").textContent = amount(answer.without_supply);
  byId("isolation-users").textContent = String(answer.users.count);
  byId("isolation-demand").textContent = answer.users.demand_m3_per_day.toFixed(1);
  nodeItems(byId("isolation-valve-list"), answer.valves);
  nodeItems(byId("isolation-source-list"), answer.supply_points);
  show(byId("isolation-sources"), answer.supply_points.length > 0);
  show(byId("isolation-no-valve"), answer.valves.length === 0);
  b.setAttribute("data-pipe", String(answer.pipe.id));
  b.setAttribute("data-valves", String(answer.valves.length));
  b.setAttribute("data-isolated", String(answer.isolated.count));
  b.setAttribute("data-without-supply", String(answer.without_supply.count));
  show(b, true);
}

function draw(answer) {
  layer.clearLayers();
  lines(answer.geometry.without_supply, ISOLATION_COLORS.without_supply, true);
  lines(answer.geometry.isolated, ISOLATION_COLORS.isolated, false);
  answer.valves.forEach((v) => point(v, ISOLATION_COLORS.valve, ISOLATION_COLORS.valveFill, "isolation-valve"));
  answer.supply_points.forEach((s) => point(s, ISOLATION_COLORS.source, ISOLATION_COLORS.valveFill,
    "isolation-source"));
}

export function clearIsolation() {
  requested += 1;  // an answer still on its way is dropped
  if (layer) { layer.clearLayers(); }
  show(box(), false);
  box().removeAttribute("data-pipe");
}

/* Isolate a burst on the selected pipe. */
export function isolateSelected() {
  if (state.selected === null) { return; }
  const seq = ++requested;
  state.busy += 1;
  getJSON(urlOf(state.selected), { geometry: "true" }).finally(() => { state.busy -= 1; }).then((answer) => {
    if (seq !== requested) { return; }
    draw(answer);
    summary(answer);
  }, (err) => {
    if (seq !== requested) { return; }
    clearIsolation();
    fail(err);
  });
}

/* The legend's swatches take the colours the map uses (set through the CSSOM: the CSP refuses
   style attributes). */
function swatches() {
  document.querySelectorAll("#isolation [data-swatch]").forEach((swatch) => {
    const kind = swatch.getAttribute("data-swatch");
    const color = kind === "valve" ? ISOLATION_COLORS.valveFill : ISOLATION_COLORS[kind];
    swatch.style.cssText = "display:inline-block;width:1.6em;height:0.5em;margin-right:0.4em;" +
      "vertical-align:middle;background:" + color + (kind === "without_supply" ? ";opacity:0.7" : "");
  });
}

export function bindIsolation() {
  state.map.createPane("editor-isolation").style.zIndex = 440;  // over the pipes, under the nodes
  layer = L.layerGroup([], NOT_SNAPPED).addTo(state.map);
  swatches();
  byId("pipe-isolate").addEventListener("click", isolateSelected);
  byId("isolation-clear").addEventListener("click", clearIsolation);
}

/* "Isolate a burst" (模拟爆管) in the network editor: for the selected pipe, the network API's
   isolation (GET /api/v1/network/pipes/<id>/isolation/?geometry=true) is drawn on the map —
   the valves to close, the isolated pipes, the pipes left without supply — and summed up in
   the side panel's #isolation box (counts, lengths, users and their demand in m³/day). The
   traces (GET .../trace/?direction=downstream|upstream) are drawn the same way, summed up in
   #trace. Both only read: nothing is written. The boxes' labels come translated in the
   template. */
import { getJSON } from "./api.js";
import { byId, el, show } from "./dom.js";
import { NOT_SNAPPED, state } from "./editor-context.js";
import { fail } from "./editor-messages.js";

export const ISOLATION_COLORS = { isolated: "#d7191c", without_supply: "#984ea3", valve: "#111111",
  valveFill: "#ffd92f", source: "#1a9850", trace: "#1b7837" };

let layer = null;
let requested = 0;

function box() { return byId("isolation"); }

/* A pipe's URL in a box's data-url (the template's URL for pipe 0). */
function urlOf(section, pipeId) {
  return section.getAttribute("data-url").replace("/0/", "/" + pipeId + "/");
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

/* When nothing drawn is in view (an upstream trace often lies farther), show it all. */
function inView() {
  const bounds = layer.getBounds();
  if (bounds.isValid() && !state.map.getBounds().intersects(bounds)) {
    state.map.fitBounds(bounds, { padding: [40, 40], maxZoom: 18, animate: false });
  }
}

function draw(answer) {
  layer.clearLayers();
  lines(answer.geometry.without_supply, ISOLATION_COLORS.without_supply, true);
  lines(answer.geometry.isolated, ISOLATION_COLORS.isolated, false);
  answer.valves.forEach((v) => point(v, ISOLATION_COLORS.valve, ISOLATION_COLORS.valveFill, "isolation-valve"));
  answer.supply_points.forEach((s) => point(s, ISOLATION_COLORS.source, ISOLATION_COLORS.valveFill,
    "isolation-source"));
  inView();
}

/* Clear the marks and both boxes (one result is shown at a time). */
export function clearIsolation() {
  requested += 1;  // an answer still on its way is dropped
  if (layer) { layer.clearLayers(); }
  [box(), byId("trace")].forEach((section) => {
    show(section, false);
    section.removeAttribute("data-pipe");
  });
}

/* GET a pipe's answer from a box's URL; show(answer) unless another request came since. */
function ask(section, params, shown) {
  if (state.selected === null) { return; }
  clearIsolation();
  const seq = requested;
  state.busy += 1;
  getJSON(urlOf(section, state.selected), params).finally(() => { state.busy -= 1; }).then((answer) => {
    if (seq === requested) { shown(answer); }
  }, (err) => {
    if (seq !== requested) { return; }
    clearIsolation();
    fail(err);
  });
}

/* Isolate a burst on the selected pipe. */
export function isolateSelected() {
  ask(box(), { geometry: "true" }, (answer) => { draw(answer); summary(answer); });
}

function traceSummary(answer) {
  const b = byId("trace"), down = answer.direction === "downstream";
  byId("trace-pipe").textContent = answer.pipe.code;
  ["downstream", "upstream"].forEach((d) => {
    show(byId("trace-title-" + d), d === answer.direction);
    show(byId("trace-explained-" + d), d === answer.direction);
  });
  show(byId("trace-unsupplied"), !answer.supplied);
  byId("trace-pipes").textContent = amount(answer);
  document.querySelectorAll("#trace [data-trace-users]").forEach((node) => show(node, down));
  if (down) {
    byId("trace-users").textContent = String(answer.users.count);
    byId("trace-demand").textContent = answer.users.demand_m3_per_day.toFixed(1);
  }
  b.setAttribute("data-pipe", String(answer.pipe.id));
  b.setAttribute("data-direction", answer.direction);
  b.setAttribute("data-count", String(answer.count));
  show(b, true);
}

/* Trace from the selected pipe: "downstream" or "upstream". */
export function traceSelected(direction) {
  ask(byId("trace"), { direction: direction, geometry: "true" }, (answer) => {
    layer.clearLayers();
    lines(answer.geometry, ISOLATION_COLORS.trace, false);
    inView();
    traceSummary(answer);
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
  layer = L.featureGroup([], NOT_SNAPPED).addTo(state.map);
  swatches();
  byId("pipe-isolate").addEventListener("click", isolateSelected);
  byId("isolation-clear").addEventListener("click", clearIsolation);
  byId("trace-clear").addEventListener("click", clearIsolation);
  ["pipe-trace-downstream", "pipe-trace-upstream"].forEach((id) => {
    const button = byId(id);
    button.addEventListener("click", () => traceSelected(button.getAttribute("data-direction")));
  });
}

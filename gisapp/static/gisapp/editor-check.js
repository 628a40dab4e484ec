/* The network check of the view (its problems listed and marked on the map) and finding a
   pipe or node by its code. */
import { el } from "./dom.js";
import { COLORS, NOT_SNAPPED, api, config, state, t, ui } from "./editor-context.js";
import { reloadNow } from "./editor-layers.js";
import { fail } from "./editor-messages.js";
import { feature, select, selectNode } from "./editor-selection.js";

function problemPopup(f) {
  const p = f.properties;
  return el("div", { class: "popup" }, el("strong", { text: config.problems[p.problem] || p.problem }),
    el("div", { text: p.message }),
    el("div", { text: [].concat(p.pipe_codes || [], p.node_codes || []).join(", ") }));
}

export function checkNetwork() {
  const b = state.map.getBounds();
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  state.busy += 1;
  api.validate(bbox).then((data) => {
    state.busy -= 1;
    state.problems.clearLayers();
    const markers = data.features.map((f) => {
      const c = f.geometry.coordinates;
      return L.circleMarker([c[1], c[0]], Object.assign({ radius: 8, color: COLORS.problem, weight: 3,
        fillOpacity: 0.25, className: "problem-marker" }, NOT_SNAPPED))
        .bindPopup(problemPopup(f)).addTo(state.problems);
    });
    ui.problems(data, (f, i) => {
      const c = f.geometry.coordinates;
      state.map.setView([c[1], c[0]], Math.max(state.map.getZoom(), 18));
      markers[i].openPopup();
    });
  }, (err) => { state.busy -= 1; fail(err); });
}

/* Go to a search hit, zoomed in enough to edit, and select it. */
function goTo(hit) {
  const b = hit.bbox;
  state.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 18, padding: [40, 40], animate: false });
  if (state.map.getZoom() < config.edit_min_zoom) {
    state.map.setZoom(config.edit_min_zoom, { animate: false });
  }
  reloadNow().then(() => {
    if (hit.layer === "pipes" && feature(hit.id)) { select(hit.id); }
    if (hit.layer === "pipe-nodes" && state.nodeLayers[hit.id]) { selectNode(hit.id); }
  });
}

export function find(term) {
  const list = document.getElementById("find-results");
  list.textContent = "";
  if (!term) { return; }
  api.search(term).then((data) => {
    const hits = data.results.filter((h) => h.layer === "pipes" || h.layer === "pipe-nodes");
    if (!hits.length) { list.appendChild(el("li", { text: t("nothing_found") })); }
    hits.forEach((hit) => {
      const li = el("li", { tabindex: "0", "data-layer": hit.layer, "data-id": String(hit.id),
        text: hit.code + " · " + t(hit.layer === "pipes" ? "pipes_label" : "nodes_label") });
      li.addEventListener("click", () => goTo(hit));
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") { goTo(hit); } });
      list.appendChild(li);
    });
  }, fail);
}

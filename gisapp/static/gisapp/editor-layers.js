/* The editor's map layers: the whole network from vector tiles as context, the pipes and nodes
   in view as editable GeoJSON, town boundaries, and the marks. Whatever the browser sends, the
   server's answer is the truth: after every write the drawn or edited layer is replaced by the
   Feature the server returns (applyAnswer). */
import { withQuery } from "./api.js";
import { featuresOf } from "./editor-api.js";
import { NOT_SNAPPED, api, config, state, t, ui } from "./editor-context.js";
import { nodeStyle, pipeStyle, restyle } from "./editor-look.js";
import { fail } from "./editor-messages.js";
import { select, selectNode } from "./editor-selection.js";
import { leafletStyle } from "./styles.js";

function tileUrl(slug) {
  return withQuery(config.urls.tiles + slug + "/{z}/{x}/{y}.pbf", { v: state.tileVersion });
}

/* The context: the whole network from vector tiles (not editable, not snapped to). The
   server thins low-zoom pipe tiles to the mains, so the county view shows them too. */
export function addTiles() {
  [["pipes", 8], ["pipe-nodes", 15]].forEach(([slug, minZoom]) => {
    const styles = {};
    styles[slug] = (props) => Object.assign({}, leafletStyle(state.styles[slug], props),
      { opacity: 0.45, fillOpacity: 0.45 });
    state.tiles[slug] = L.vectorGrid.protobuf(tileUrl(slug), {
      rendererFactory: L.canvas.tile,
      interactive: false,
      vectorTileLayerStyles: styles,
      minZoom: minZoom,
      maxNativeZoom: 18,
      maxZoom: 20,
      fetchOptions: { credentials: "same-origin" },
      pmIgnore: true,
    }).addTo(state.map);
  });
}

/* The tiles again, after a write changed the network (a new version defeats caches). */
export function refreshTiles() {
  state.tileVersion += 1;
  Object.keys(state.tiles).forEach((slug) => { state.tiles[slug].setUrl(tileUrl(slug)); });
}

/* Town boundaries and major roads for orientation (roads in their map style): thin, not
   clickable, never snapped to. */
export function addContext() {
  state.map.createPane("editor-context").style.zIndex = 350;
  const fixed = { interactive: false, pane: "editor-context", pmIgnore: true, snapIgnore: true };
  const towns = !config.urls.towns ? null : api.towns().then((data) => {
    L.geoJSON(data, Object.assign({
      style: { color: "#7a8691", weight: 1.2, dashArray: "5 4", fill: false } }, fixed)).addTo(state.map);
  }, fail);
  const roads = !config.urls.roads ? null : api.roads().then((data) => {
    L.geoJSON(data, Object.assign({
      style: (f) => Object.assign(leafletStyle(state.styles.roads, f.properties), { opacity: 0.6 }) },
    fixed)).addTo(state.map);
  }, fail);
  return Promise.all([towns, roads]);
}

/* The view in the address (#zoom/lat/lon), so that a place can be bookmarked or shared. */
export function viewFromHash() {
  const parts = (window.location.hash || "").slice(1).split("/").map(Number);
  if (parts.length !== 3 || !parts.every(isFinite)) { return false; }
  state.map.setView([parts[1], parts[2]], parts[0], { animate: false });
  return true;
}

export function viewToHash() {
  const c = state.map.getCenter();
  window.history.replaceState(null, "", "#" + state.map.getZoom() + "/" + c.lat.toFixed(6) + "/" + c.lng.toFixed(6));
}

/* handlers: onPipeClick(id, event), onNodeClick(id, event), decided by the editor's mode. */
export function makeEditableLayers(handlers) {
  // Nodes above pipes (a pipe redrawn after a write must not cover its end nodes), marks
  // (refusals, conflicts, problems, leaks) above both.
  state.map.createPane("editor-nodes").style.zIndex = 450;
  state.map.createPane("editor-marks").style.zIndex = 460;
  state.pipes = L.geoJSON(null, {
    style: pipeStyle,
    onEachFeature: (feature, layer) => {
      // The server joins ends to pipes in service or planned only: so does the snapping.
      layer.options.snapIgnore = feature.properties.status === "abandoned";
      state.pipeLayers[feature.id] = layer;
      layer.on("click", (e) => handlers.onPipeClick(feature.id, e));
    },
  }).addTo(state.map);
  // Nodes are snap targets (snapIgnore: false) but are not edited by Geoman (pmIgnore).
  state.nodes = L.geoJSON(null, {
    pointToLayer: (feature, latlng) => L.circleMarker(latlng, Object.assign(nodeStyle(feature),
      { pane: "editor-nodes", pmIgnore: true, snapIgnore: false })),
    onEachFeature: (feature, layer) => {
      state.nodeLayers[feature.id] = layer;
      layer.on("click", (e) => handlers.onNodeClick(feature.id, e));
    },
  }).addTo(state.map);
  state.marks = L.layerGroup([], NOT_SNAPPED).addTo(state.map);
  state.problems = L.layerGroup([], NOT_SNAPPED).addTo(state.map);
  state.leaks = L.layerGroup([], NOT_SNAPPED).addTo(state.map);  // recorded in this session
}

function viewBbox() {
  const b = state.map.getBounds().pad(0.1);
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => +v.toFixed(7));
}

function clearEditable() {
  state.pipes.clearLayers();
  state.nodes.clearLayers();
  state.pipeLayers = {};
  state.nodeLayers = {};
}

function routeEdited() { return state.mode === "vertices" || state.mode === "drag"; }

/* Load the pipes and nodes in view (when zoomed in enough), keeping the selection.
   body[data-editor-loaded] holds the number of the last load done. */
export function reload() {
  const seq = ++state.loadSeq;
  if (state.map.getZoom() < config.edit_min_zoom) {
    clearEditable();
    ui.zoomHint(t("zoom_in"));
    document.body.setAttribute("data-editor-loaded", String(seq));
    return Promise.resolve();
  }
  if (routeEdited()) { return Promise.resolve(); }
  ui.zoomHint(null);
  const bbox = viewBbox();
  document.body.removeAttribute("data-editor-loaded");
  state.loading += 1;
  return Promise.all([api.pipesIn(bbox, config.page_size), api.nodesIn(bbox, config.page_size)])
    .finally(() => { state.loading -= 1; })
    .then(([pipes, nodes]) => {
      if (seq !== state.loadSeq || routeEdited()) { return; }
      clearEditable();
      state.pipes.addData(pipes);
      state.nodes.addData(nodes);
      if (pipes.count > pipes.features.length) {
        ui.zoomHint(t("too_many", { n: pipes.features.length, count: pipes.count }));
      }
      if (state.selected && !state.pipeLayers[state.selected]) { select(null); }
      else if (state.selected) { ui.showPipe(state.pipeLayers[state.selected].feature); }
      if (state.selectedNode && !state.nodeLayers[state.selectedNode.id]) { selectNode(null); }
      restyle();
      document.body.setAttribute("data-editor-loaded", String(seq));
    })
    .catch((err) => {
      if (seq === state.loadSeq) { fail(err); document.body.setAttribute("data-editor-loaded", String(seq)); }
    });
}

/* Reload shortly after the map stops moving (one load for a burst of moves). */
export function reloadSoon() {
  clearTimeout(state.reloadTimer);
  state.reloadTimer = setTimeout(() => { state.reloadTimer = null; reload(); }, 150);
}

/* Reload now, dropping a reload about to happen. */
export function reloadNow() {
  clearTimeout(state.reloadTimer);
  state.reloadTimer = null;
  return reload();
}

/* ---- replacing layers by the server's features ---------------------------------------- */
export function upsertPipe(feature) {
  const old = state.pipeLayers[feature.id];
  if (old) {
    if (old.pm) { old.pm.disable(); old.pm.disableLayerDrag(); }
    state.pipes.removeLayer(old);
  }
  state.pipes.addData(feature);
}

export function removePipe(id) {
  const old = state.pipeLayers[id];
  if (old) { state.pipes.removeLayer(old); delete state.pipeLayers[id]; }
  if (state.selected === id) { select(null); }
}

export function removeNode(id) {
  const old = state.nodeLayers[id];
  if (old) { state.nodes.removeLayer(old); delete state.nodeLayers[id]; }
}

function upsertNode(feature) {
  const old = state.nodeLayers[feature.id];
  if (old) { state.nodes.removeLayer(old); }
  state.nodes.addData(feature);
}

/* Put every feature of a write's answer on the map; returns them. Then the view is
   reloaded, for the neighbours a write may have changed (a T-junction split, a new node). */
export function applyAnswer(answer) {
  const features = featuresOf(answer);
  features.forEach((f) => {
    if (f.geometry && f.geometry.type === "LineString") { upsertPipe(f); }
    else if (f.geometry && f.geometry.type === "Point") { upsertNode(f); }
  });
  restyle();
  refreshTiles();
  reload();
  return features;
}

/* Nothing loading, writing or about to reload (the browser tests wait for this). */
export function idle() {
  const tiles = Object.keys(state.tiles).some((k) =>
    state.map.hasLayer(state.tiles[k]) && state.tiles[k].isLoading());
  return !tiles && !state.reloadTimer && !state.loading && !state.busy && !state.historyLoading;
}

/* The network editor (gisapp/editor.html): the network in view as editable GeoJSON over the
   vector-tile context, Leaflet-Geoman for drawing and vertex editing, every write through the
   network API. This module starts the editor and sends the user's clicks and keys to the
   modules that do the work, each importing what it uses:
     editor-context    the page's config, the network API (editor-api), the side panel
                       (editor-panels), the shared state
     editor-layers     the map's layers, loading the view, putting the server's answers on it
     editor-selection, editor-look, editor-modes, editor-messages, editor-write
     editor-pipes, editor-nodes, editor-history, editor-check    the operations
     editor-isolation    isolating a burst on the selected pipe (reads only) */
import { byId } from "./dom.js";
import { checkNetwork, find } from "./editor-check.js";
import { COLORS, config, state, t, ui } from "./editor-context.js";
import { updateSnap } from "./editor-geometry.js";
import { bindHistory } from "./editor-history.js";
import { bindIsolation } from "./editor-isolation.js";
import { bindPressure } from "./editor-pressure.js";
import {
  addTiles, addContext, idle, makeEditableLayers, reload, reloadSoon, viewFromHash, viewToHash,
} from "./editor-layers.js";
import { fail } from "./editor-messages.js";
import { endMode, needsPipe } from "./editor-modes.js";
import { NODE_ACTIONS, placed, startNode } from "./editor-nodes.js";
import { PIPE_ACTIONS, drawn, leakAt, merge, saveRoute, splitAt, startDraw } from "./editor-pipes.js";
import { feature, select, selectNode } from "./editor-selection.js";
import { metaContent, onMapInit } from "./page.js";
import { placeNamesLayer, zoomLevelControl } from "./place-names.js";
import { legendBlock, loadStyles } from "./styles.js";
import { expose } from "./test-hook.js";
import "./vectorgrid-shim.js";

/* ---- clicks on the map, by mode ------------------------------------------------------------ */
function onPipeClick(id, e) {
  if (state.mode === "merge") {
    L.DomEvent.stop(e);
    if (id !== state.selected) { merge(state.selected, id); }
    return;
  }
  if (state.mode) { return; }  // drawing, splitting...: the map's click handles it
  L.DomEvent.stop(e);
  select(id);
}

function onNodeClick(id, e) {
  if (state.mode) { return; }
  L.DomEvent.stop(e);
  selectNode(id);
}

function onMapClick(e) {
  if (state.mode === "split") { splitAt(e.latlng); }
  else if (state.mode === "leak") { leakAt(e.latlng); }
  else if (!state.mode && !state.pending) { select(null); selectNode(null); }
}

/* Geoman finished drawing: a node's marker or a pipe's line. */
function onCreate(e) {
  if (e.shape === "CircleMarker" && (state.mode === "node" || state.mode === "node-move")) {
    placed(e.layer);
  } else if (state.mode === "draw") {
    drawn(e.layer);
  }
}

/* ---- the side panel's buttons and keys ------------------------------------------------------ */
function bindTools() {
  state.map.on("pm:create", onCreate);
  state.map.on("click", onMapClick);
  byId("tool-draw").addEventListener("click", startDraw);
  byId("tool-check").addEventListener("click", checkNetwork);
  byId("tool-node").addEventListener("click", startNode);
  byId("mode-save").addEventListener("click", saveRoute);
  byId("mode-cancel").addEventListener("click", () => endMode());
  document.querySelectorAll("#pipe-actions [data-action]").forEach((button) => {
    button.addEventListener("click", () => {
      if (needsPipe()) { return; }
      PIPE_ACTIONS[button.getAttribute("data-action")]();
    });
  });
  document.querySelectorAll("[data-node-action]").forEach((button) => {
    button.addEventListener("click", () => {
      if (state.selectedNode) { NODE_ACTIONS[button.getAttribute("data-node-action")](); }
    });
  });
  let timer = null;
  byId("find-q").addEventListener("input", (e) => {
    clearTimeout(timer);
    const term = e.target.value.trim();
    timer = setTimeout(() => find(term), 250);
  });
  byId("find").addEventListener("submit", (e) => {
    e.preventDefault();
    find(byId("find-q").value.trim());
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { endMode(); }
  });
}

/* The node colours, from the style file that draws them (bottom left). */
function nodeLegend(map, style) {
  const Legend = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      const box = L.DomUtil.create("div", "editor-legend leaflet-control");
      box.id = "node-legend";
      box.appendChild(legendBlock(style, t("node_legend"), config.lang));
      return box;
    },
  });
  new Legend().addTo(map);
}

/* ---- start ---------------------------------------------------------------------------------- */
function init(map) {
  state.map = map;
  map.pm.setLang(config.lang && config.lang.indexOf("zh") === 0 ? "zh" : "en");
  ui.nodeKinds();
  ui.bindForms();
  const b = config.county_bbox;
  if (!viewFromHash()) { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); }
  // Where one is (names; the zoom level the hints speak of), and what the node colours mean.
  zoomLevelControl(map, t("zoom_level"));
  placeNamesLayer(map, config.placeNames).addTo(map);
  loadStyles(config.styleUrls, metaContent("style-defaults")).then((styles) => {
    state.styles = styles;
    nodeLegend(map, styles["pipe-nodes"]);
    addTiles();
    makeEditableLayers({ onPipeClick: onPipeClick, onNodeClick: onNodeClick });
    updateSnap();
    bindTools();
    bindHistory();
    bindIsolation();
    bindPressure();
    map.on("zoomend moveend", updateSnap);
    map.on("moveend", () => { viewToHash(); reloadSoon(); });
    return Promise.all([reload(), addContext()]);
  }).then(() => {
    document.body.setAttribute("data-editor-ready", "1");
  }).catch(fail);
}

onMapInit("editor-map", init);
expose("editor", { state: state, COLORS: COLORS, feature: feature, idle: idle });

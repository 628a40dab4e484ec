/* The editor's operations on nodes: place one (valve, hydrant, meter), move it (the connected
   pipe ends follow on the server), change its kind, delete it. Nodes are placed with Geoman
   too, so that a node put on a pipe snaps onto it exactly as far as the server joins it. */
import { COLORS, api, state, t, ui } from "./editor-context.js";
import { lonlat, snapOptions, tolerance } from "./editor-geometry.js";
import { applyAnswer, refreshTiles, reload, removeNode } from "./editor-layers.js";
import { endMode, needsZoom, setMode } from "./editor-modes.js";
import { selectNode } from "./editor-selection.js";
import { versioned, write } from "./editor-write.js";

function code(f) { return f ? (f.properties.code || String(f.id)) : ""; }

/* mode: node (a new node) | node-move (the selected node's new place). */
function startPlacing(mode, hint) {
  if (needsZoom()) { return; }
  setMode(mode, hint, false);
  state.map.pm.enableDraw("CircleMarker", Object.assign(snapOptions(), {
    templineStyle: { radius: 7, color: COLORS.pending },
    pathOptions: { radius: 7, color: COLORS.pending },
    markerEditable: false,
    continueDrawing: false,
    tooltips: false,
  }));
}

export function startNode() { startPlacing("node", t("node_hint", tolerance())); }

/* Geoman placed its marker: a new node there, or the selected node moved there. */
export function placed(layer) {
  const at = layer.getLatLng(), placing = state.mode;
  state.map.removeLayer(layer);
  endMode();
  if (placing === "node") { nodeAt(at); } else { nodeMoveTo(at); }
}

function nodeAt(latlng) {
  const kind = document.getElementById("node-kind").value;
  write(api.nodeCreate(lonlat(latlng), { kind: kind }), (answer) => {
    endMode(true);
    const node = applyAnswer(answer).filter((f) => f.geometry.type === "Point")[0];
    ui.message("success", t("node_created", { code: code(node) }));
  });
}

/* A write on the selected node, once its version is known (read when it was selected). */
function nodeWrite(run, mine, onDone, props) {
  const node = state.selectedNode;
  if (!node || node.version === null) { return; }
  versioned("node", node.version, mine, run, (answer) => {
    endMode(true);
    onDone(answer);
  }, props);
}

function nodeMoveTo(latlng) {
  const id = state.selectedNode.id, to = lonlat(latlng);
  nodeWrite((v) => api.nodeUpdate(id, v, to, {}), { type: "Point", coordinates: to },
    (answer) => { applyAnswer(answer); selectNode(id); ui.message("success", t("saved")); });
}

function nodeKind() {
  const id = state.selectedNode.id, kind = document.getElementById("node-kind-edit").value;
  nodeWrite((v) => api.nodeUpdate(id, v, null, { kind: kind }), null,
    (answer) => { applyAnswer(answer); selectNode(id); ui.message("success", t("saved")); },
    { kind: kind });
}

function nodeDelete() {
  const id = state.selectedNode.id;
  nodeWrite((v) => api.nodeDelete(id, v), null, () => {
    removeNode(id);
    selectNode(null);
    refreshTiles();
    reload();
    ui.message("success", t("node_deleted"));
  });
}

/* The buttons of the selected node (data-node-action), with a node selected. */
export const NODE_ACTIONS = {
  kind: nodeKind,
  move: () => startPlacing("node-move", t("node_move_hint", tolerance())),
  delete: nodeDelete,
};

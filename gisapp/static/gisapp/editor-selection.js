/* The selected pipe or node, shown in the side panel and highlighted on the map. Who needs to
   follow the pipe selection (the history list) subscribes with onPipeSelected. */
import { api, state, ui } from "./editor-context.js";
import { restyle } from "./editor-look.js";
import { fail } from "./editor-messages.js";

const pipeListeners = [];

/* listener(id): a pipe was selected (its id), or none (null). */
export function onPipeSelected(listener) { pipeListeners.push(listener); }

/* The loaded Feature of a pipe, or null when it is not in view. */
export function feature(id) {
  const layer = state.pipeLayers[id];
  return layer ? layer.feature : null;
}

export function select(id) {
  state.selected = id;
  state.mergeWith = null;
  if (id !== null) { selectNode(null, true); }
  const f = id === null ? null : feature(id);
  ui.showPipe(f);
  restyle();
  pipeListeners.forEach((listener) => listener(f ? id : null));
}

export function selectNode(id, quiet) {
  if (id === null) {
    state.selectedNode = null;
    ui.showNode(null);
    if (!quiet) { restyle(); }
    return;
  }
  select(null);
  const layer = state.nodeLayers[id];
  state.selectedNode = { id: id, version: null, feature: layer.feature };
  restyle();
  // The list lacks the node's version; the detail has it (and the degree).
  state.busy += 1;
  api.nodeRead(id).finally(() => { state.busy -= 1; }).then((f) => {
    if (!state.selectedNode || state.selectedNode.id !== id) { return; }
    state.selectedNode.version = f.properties.version;
    state.selectedNode.feature = f;
    ui.showNode(f);
  }, fail);
}

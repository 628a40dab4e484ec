/* The editor's modes (drawing, editing a route, splitting, merging, placing a node, recording a
   leak): one at a time, shown on the map's container and in the side panel's hint. */
import { config, state, t, ui } from "./editor-context.js";
import { upsertPipe } from "./editor-layers.js";
import { restyle } from "./editor-look.js";
import { feature } from "./editor-selection.js";

/* body[data-mode] and .editor-mode-<mode> on the map let the CSS (and the tests) follow. */
export function setMode(mode, hint, withSave) {
  endMode();
  state.mode = mode;
  document.body.setAttribute("data-mode", mode);
  state.map.getContainer().classList.add("editor-mode-" + mode);
  ui.modeHint(hint, withSave);
}

/* Leave the current mode; an unsaved route edit goes back to the stored feature. */
export function endMode(saved) {
  const mode = state.mode;
  if (!mode) { return; }
  state.mode = null;
  document.body.removeAttribute("data-mode");
  state.map.getContainer().classList.remove("editor-mode-" + mode);
  ui.modeHint(null);
  if (mode === "draw" || mode === "node" || mode === "node-move") { state.map.pm.disableDraw(); }
  if ((mode === "vertices" || mode === "drag") && state.editOriginal) {
    const layer = state.pipeLayers[state.editOriginal.id];
    if (layer && layer.pm) { layer.pm.disable(); layer.pm.disableLayerDrag(); }
    if (!saved) { upsertPipe(state.editOriginal); restyle(); }
    state.editOriginal = null;
  }
  if (mode === "merge") { state.mergeWith = null; restyle(); }
  if (mode === "leak") { ui.closeForm("leak-form"); }
}

/* True (and says so) when the map is too far out to edit. */
export function needsZoom() {
  if (state.map.getZoom() >= config.edit_min_zoom) { return false; }
  ui.message("info", t("zoom_in"));
  return true;
}

/* True (and says so) when no pipe in view is selected. */
export function needsPipe() {
  if (state.selected !== null && feature(state.selected)) { return false; }
  ui.message("info", t("select_first"));
  return true;
}

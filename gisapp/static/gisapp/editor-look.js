/* How the editable pipes and nodes look: their style file (styles/pipes.json,
   styles/pipe-nodes.json) made heavier for editing, at least 4 px wide or in radius so that
   they can be clicked, and the selection on top. */
import { COLORS, state } from "./editor-context.js";
import { leafletStyle } from "./styles.js";

export function pipeStyle(feature) {
  const base = leafletStyle(state.styles.pipes, feature.properties);
  const style = Object.assign({}, base, { weight: Math.max((base.weight || 0) + 2, 4), opacity: 0.95 });
  if (feature.id === state.selected) { style.color = COLORS.selected; style.weight += 2; style.dashArray = null; }
  if (feature.id === state.mergeWith) { style.color = COLORS.merge; style.weight += 2; }
  return style;
}

export function nodeStyle(feature) {
  const base = leafletStyle(state.styles["pipe-nodes"], feature.properties);
  const style = Object.assign({}, base, { radius: Math.max(base.radius || 0, 4), fillOpacity: 1 });
  if (state.selectedNode && feature.id === state.selectedNode.id) {
    style.color = COLORS.selected; style.weight = 3; style.radius += 2;
  }
  return style;
}

/* Restyle every editable feature (after the selection or the merge partner changed). */
export function restyle() {
  if (state.pipes) { state.pipes.setStyle(pipeStyle); }
  Object.keys(state.nodeLayers).forEach((id) => {
    const layer = state.nodeLayers[id];
    layer.setStyle(nodeStyle(layer.feature));
  });
}

/* The editor's operations on pipes: draw a new one, change its attributes, edit its route
   (vertices or a move), split, merge, retire and restore, record a leak. Each write sends the
   version the engineer read (editor-write.js shows a 409 as a conflict, a 400 as a refusal). */
import { COLORS, NOT_SNAPPED, api, state, t, ui } from "./editor-context.js";
import { lineOf, lonlat, nearestOnLine, snapOptions, tolerance } from "./editor-geometry.js";
import { applyAnswer, removePipe } from "./editor-layers.js";
import { restyle } from "./editor-look.js";
import { clearMarks } from "./editor-messages.js";
import { endMode, needsZoom, setMode } from "./editor-modes.js";
import { feature, select, selectNode } from "./editor-selection.js";
import { versioned, write } from "./editor-write.js";

function version(id) { const f = feature(id); return f ? f.properties.version : null; }
function code(f) { return f ? (f.properties.code || String(f.id)) : ""; }

/* ---- drawing a new pipe ------------------------------------------------------------------ */
export function startDraw() {
  if (needsZoom()) { return; }
  select(null);
  selectNode(null);
  cancelPending();
  setMode("draw", t("draw_hint", tolerance()), false);
  state.map.pm.enableDraw("Line", Object.assign(snapOptions(), {
    templineStyle: { color: COLORS.pending, weight: 4 },
    hintlineStyle: { color: COLORS.pending, dashArray: "5,5" },
    pathOptions: { color: COLORS.pending },
    continueDrawing: false,
    tooltips: true,
  }));
}

/* The line Geoman drew becomes a pending pipe (dashed), saved from the attribute form. */
export function drawn(layer) {
  const latlngs = layer.getLatLngs();
  state.map.removeLayer(layer);
  endMode();
  const line = L.polyline(latlngs, Object.assign({ color: COLORS.pending, weight: 4, dashArray: "8 6" },
    NOT_SNAPPED)).addTo(state.map);
  state.pending = { geometry: { type: "LineString", coordinates: latlngs.map(lonlat) }, layer: line };
  document.body.setAttribute("data-pending", "1");
  const defaults = { diameter_mm: 100, material: "PE", install_year: new Date().getFullYear(),
    status: "in_service", code: "" };
  ui.attrForm(t("new_pipe"), defaults, savePending, cancelPending);
}

/* An empty code is left out: the server assigns one. */
function cleanProps(values) {
  const props = Object.assign({}, values);
  if (!props.code) { delete props.code; }
  return props;
}

function savePending(values) {
  const pending = state.pending;
  if (!pending) { return; }
  write(api.pipeCreate(pending.geometry, cleanProps(values)), (answer) => {
    cancelPending();
    ui.closeForm("attr-form");
    applyAnswer(answer);
    select(answer.id);
    ui.message("success", t("created", { code: code(answer) }));
  });
}

export function cancelPending() {
  if (state.pending) { state.map.removeLayer(state.pending.layer); }
  state.pending = null;
  document.body.removeAttribute("data-pending");
}

/* ---- editing the selected pipe ----------------------------------------------------------- */
function editAttributes() {
  const id = state.selected, f = feature(id);
  ui.attrForm(t("selected_pipe") + " " + code(f), f.properties, (values) => {
    const props = cleanProps(values);
    if (props.code === f.properties.code) { delete props.code; }
    versioned("pipe", f.properties.version, f.geometry, (v) => api.pipeUpdate(id, v, null, props), (answer) => {
      ui.closeForm("attr-form");
      applyAnswer(answer);
      select(id);
      ui.message("success", t("saved"));
    }, props);
  });
}

function startRouteEdit(mode) {
  setMode(mode, mode === "vertices" ? t("vertices_hint", tolerance()) : t("drag_hint"), true);
  const layer = state.pipeLayers[state.selected];
  state.editOriginal = layer.feature;
  if (mode === "vertices") {
    layer.pm.enable(Object.assign(snapOptions(), { draggable: false, removeVertexOn: "contextmenu" }));
  } else {
    layer.pm.enableLayerDrag();
  }
}

export function saveRoute() {
  const original = state.editOriginal;
  if (!original) { return; }
  const id = original.id, geometry = lineOf(state.pipeLayers[id]);
  versioned("pipe", original.properties.version, geometry, (v) => api.pipeUpdate(id, v, geometry, {}), (answer) => {
    endMode(true);
    applyAnswer(answer);
    select(id);
    ui.message("success", t("saved"));
  });
}

/* In split mode, a click on the selected pipe (within 12 px of it) splits it there. */
export function splitAt(latlng) {
  const id = state.selected;
  const near = nearestOnLine(state.pipeLayers[id], latlng);
  if (near.px > 12) { ui.message("info", t("click_on_pipe")); return; }
  const at = lonlat(near.latlng);
  versioned("pipe", version(id), { type: "Point", coordinates: at }, (v) => api.pipeSplit(id, v, at), (answer) => {
    endMode(true);
    const parts = applyAnswer(answer).filter((f) => f.geometry.type === "LineString");
    select(id);
    ui.message("success", t("split_done", { a: code(parts[0]), b: code(parts[1]) }));
  });
}

/* In merge mode: b (the pipe clicked) merges into a (the selected one). */
export function merge(a, b) {
  state.mergeWith = b;
  restyle();
  const other = feature(b);
  write(api.pipeMerge([a, b], [version(a), version(b)]), (answer) => {
    endMode(true);
    removePipe(b);
    applyAnswer(answer);
    select(a);
    ui.message("success", t("merged", { code: code(answer) }));
  }, { kind: "pipe", version: version(a), mine: other ? other.geometry : null });
}

function retireOrRestore(restore) {
  const id = state.selected, f = feature(id);
  versioned("pipe", f.properties.version, f.geometry,
    (v) => (restore ? api.pipeRestore(id, v) : api.pipeRetire(id, v)), (answer) => {
      applyAnswer(answer);
      select(id);
      ui.message("success", t(restore ? "restored" : "retired", { code: code(answer) }));
    });
}

/* ---- leaks --------------------------------------------------------------------------------- */
function startLeak() {
  const id = state.selected, f = feature(id);
  setMode("leak", t("leak_hint"), false);
  state.leakAt = null;
  ui.leakForm((values) => {
    write(api.leakRecord(id, state.leakAt, values), (answer) => {
      endMode(true);
      const at = answer.geometry.coordinates;
      L.circleMarker([at[1], at[0]], Object.assign({ radius: 7, color: COLORS.leak, weight: 3,
        fillOpacity: 0.6, className: "leak-marker" }, NOT_SNAPPED)).addTo(state.leaks);
      ui.message("success", t("leak_recorded", { code: code(f) }));
    });
  }, () => { endMode(); });
}

/* In leak mode, a click on the map is where the leak was found. */
export function leakAt(latlng) {
  state.leakAt = lonlat(latlng);
  clearMarks();
  L.circleMarker(latlng, Object.assign({ radius: 6, color: COLORS.leak, dashArray: "3 3" },
    NOT_SNAPPED)).addTo(state.marks);
}

/* The buttons of the selected pipe (data-action), with a pipe selected. */
export const PIPE_ACTIONS = {
  attributes: editAttributes,
  vertices: () => startRouteEdit("vertices"),
  drag: () => startRouteEdit("drag"),
  split: () => setMode("split", t("split_hint"), false),
  merge: () => setMode("merge", t("merge_hint"), false),
  leak: startLeak,
  retire: () => retireOrRestore(false),
  restore: () => retireOrRestore(true),
};

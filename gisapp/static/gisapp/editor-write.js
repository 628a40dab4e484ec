/* Running a write: the answer replaces what the map shows, a refusal is explained, and a 409
   (someone else saved the feature since it was read) shows both versions, to reload or to
   apply this edit again on the version stored now. */
import { ApiError } from "./api.js";
import { COLORS, NOT_SNAPPED, state, t, ui } from "./editor-context.js";
import { refreshTiles, reload, upsertPipe } from "./editor-layers.js";
import { restyle } from "./editor-look.js";
import { clearMarks, fail } from "./editor-messages.js";
import { endMode } from "./editor-modes.js";
import { select } from "./editor-selection.js";

function endConflict() { ui.hideConflict(); clearMarks(); }

function drawVersion(feature, color, lineStyle, radius) {
  L.geoJSON(feature, Object.assign({
    style: Object.assign({ color: color }, lineStyle),
    pointToLayer: (f, ll) => L.circleMarker(ll, Object.assign({ radius: radius, color: color }, NOT_SNAPPED)),
  }, NOT_SNAPPED)).addTo(state.marks);
}

/* A 409: what is stored now (one colour) and what this user wrote (another); reload or redo.
   options: kind (pipe | node), version (read), mine (the geometry sent), props (the
   attributes sent), redo(currentVersion). */
function conflict(err, options) {
  const d = err.details || {};
  const current = d.current || null;
  clearMarks();
  if (current && current.geometry) {
    drawVersion(current, COLORS.current, { weight: 8, opacity: 0.55 }, 9);
  }
  if (options.mine) {
    drawVersion({ type: "Feature", geometry: options.mine, properties: {} }, COLORS.yours,
      { weight: 3, dashArray: "6 6" }, 6);
  }
  // "you" when the later change is this user's own (e.g. undoing steps out of order)
  const title = d.changed_by_you
    ? (options.kind === "node" ? t("conflict_node_yours") : t("conflict_yours"))
    : (options.kind === "node" ? t("conflict_node") : t("conflict"));
  // The attributes this user changed that someone else has stored differently meanwhile.
  const differences = Object.keys(options.props || {})
    .filter((k) => current && current.properties[k] !== options.props[k])
    .map((k) => [k, current.properties[k], options.props[k]]);
  ui.message("conflict", title, [err.message].concat(current ? [] : [t("conflict_gone")]));
  ui.conflict({
    title: title,
    currentVersion: d.current_version === null || d.current_version === undefined ? "—" : d.current_version,
    yourVersion: options.version,
    differences: differences,
    canRedo: !!(options.redo && current),
    onReload: () => {
      endConflict();
      endMode();
      if (current && options.kind !== "node") { upsertPipe(current); restyle(); }
      refreshTiles();
      reload().then(() => { if (state.selected) { select(state.selected); } });
    },
    onRedo: () => {
      endConflict();
      options.redo(d.current_version);
    },
  });
}

/* Run a write: clears old messages; onDone(answer) on success; a 409 shows the conflict when
   conflictOptions are given (see conflict), any other failure its reason. */
export function write(promise, onDone, conflictOptions) {
  ui.clearMessage();
  state.busy += 1;
  return promise.then((answer) => {
    state.busy -= 1;
    state.lastAnswer = answer;
    endConflict();
    onDone(answer);
  }, (err) => {
    state.busy -= 1;
    if (err instanceof ApiError && err.status === 409 && conflictOptions) { conflict(err, conflictOptions); }
    else { fail(err); }
  });
}

/* A write whose conflict can be redone on the stored version: run(version) → promise. */
export function versioned(kind, readVersion, mine, run, onDone, props) {
  const options = { kind: kind, version: readVersion, mine: mine, props: props };
  options.redo = (current) => {
    options.version = current;
    write(run(current), onDone, options);
  };
  return write(run(readVersion), onDone, options);
}

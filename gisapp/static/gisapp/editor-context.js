/* What every part of the network editor shares, in one module that the others import: the
   page's configuration, the network API, the side panel, the colours of the marks, and the
   state of the map and of the edit in progress. */
import { NetworkApi } from "./editor-api.js";
import { Panels } from "./editor-panels.js";
import { readConfig } from "./page.js";

export const config = readConfig("editor-config");
export const api = new NetworkApi(config.urls);
export const ui = new Panels(config);
export const t = ui.t;

export const COLORS = { selected: "#ff7f00", merge: "#984ea3", pending: "#e7298a", current: "#1b9e77",
  yours: "#d7191c", refusal: "#d7191c", problem: "#e6550d", leak: "#08519c" };
export const NOT_SNAPPED = { pmIgnore: true, snapIgnore: true, pane: "editor-marks" };  // never snapped to

export const state = {
  map: null, styles: {}, tiles: {}, tileVersion: 0,
  pipes: null, nodes: null, marks: null, problems: null, leaks: null,
  pipeLayers: {}, nodeLayers: {},
  selected: null, mergeWith: null, selectedNode: null,
  // mode: draw | vertices | drag | split | merge | leak | node | node-move; pending: a drawn
  // pipe not saved yet; editOriginal: the stored feature of the pipe whose route is edited.
  mode: null, pending: null, leakAt: null, editOriginal: null,
  snapPx: null, loadSeq: 0, loading: 0, reloadTimer: null, busy: 0, historyLoading: 0,
  lastAnswer: null,
};

/* Why a request failed, in the side panel's message box: a refusal (400) says the server's
   reason, the field and the place (marked on the map), a 403 that it is not allowed, anything
   else that nothing was saved. */
import { ApiError } from "./api.js";
import { COLORS, NOT_SNAPPED, state, t, ui } from "./editor-context.js";

/* The refusal, conflict and leak-position marks. */
export function clearMarks() { state.marks.clearLayers(); }

function refusalMarker(location) {
  const latlng = L.latLng(location[1], location[0]);
  L.circleMarker(latlng, Object.assign({ radius: 10, color: COLORS.refusal, weight: 3, fillOpacity: 0.2,
    className: "refusal-marker" }, NOT_SNAPPED)).addTo(state.marks);
  if (!state.map.getBounds().contains(latlng)) { state.map.panTo(latlng); }
}

export function fail(err) {
  if (!(err instanceof ApiError)) { ui.message("error", t("failed")); console.warn(err); return; }
  if (err.status === 403) { ui.message("error", t("not_allowed"), [err.message]); return; }
  if (err.status === 0 || err.status >= 500) { ui.message("error", t("failed"), [err.message]); return; }
  const d = err.details || {}, lines = [];
  if (d.field) { lines.push(t("field") + ": " + d.field); }
  if (Array.isArray(d.location)) {
    lines.push(t("at") + ": " + d.location[0].toFixed(6) + ", " + d.location[1].toFixed(6));
    refusalMarker(d.location);
  }
  ui.message("error", t("refused") + ": " + (err.message || err.code), lines);
}

/* The editor's arithmetic: coordinates as the API writes them, the point of a line nearest to
   a click, and snapping.

   Snapping: the server binds a pipe end to a node (or a pipe) within NETWORK_SNAP_TOLERANCE_M
   metres. Geoman snaps within `snapDistance` PIXELS, so the page converts the tolerance to
   pixels at the current zoom and latitude, on every zoom, for drawing and for vertex editing
   alike. (Geoman's `pinning`, dragging shared vertices together, is in Geoman Pro only; here a
   node move carries the connected pipe ends on the server.) */
import { config, state } from "./editor-context.js";

/* Web Mercator: metres on the ground per screen pixel at a latitude and zoom (256 px tiles). */
const EQUATOR_M_PER_PX_Z0 = 156543.03392;

export function metresPerPixel(lat, zoom) {
  return EQUATOR_M_PER_PX_Z0 * Math.cos(lat * Math.PI / 180) / Math.pow(2, zoom);
}

/* The pixel distance equal to the tolerance where the user is looking (Geotrek #1655). Geoman
   replaces 0 by its 30 px default, so never answer 0. */
export function snapPixels(toleranceM, lat, zoom) {
  return Math.max(toleranceM / metresPerPixel(lat, zoom), 0.01);
}

export function updateSnap() {
  const px = snapPixels(config.snap_tolerance_m, state.map.getCenter().lat, state.map.getZoom());
  if (px === state.snapPx) { return; }
  state.snapPx = px;
  state.map.pm.setGlobalOptions({ snappable: true, snapDistance: px, snapSegment: true, snapVertex: true });
  document.body.setAttribute("data-snap-px", px.toFixed(3));
}

export function snapOptions() {
  return { snappable: true, snapDistance: state.snapPx, snapSegment: true, snapVertex: true,
    allowSelfIntersection: false };
}

/* The tolerance as the hints' {m} placeholder. */
export function tolerance() { return { m: config.snap_tolerance_m }; }

export function lonlat(latlng) { return [+latlng.lng.toFixed(9), +latlng.lat.toFixed(9)]; }

export function lineOf(layer) {
  return { type: "LineString", coordinates: layer.getLatLngs().map(lonlat) };
}

/* The point of the line nearest to a click (in projected metres at the map's max zoom, as
   Geoman snaps), and its distance in screen pixels. */
export function nearestOnLine(layer, latlng) {
  const map = state.map, z = map.getMaxZoom(), p = map.project(latlng, z);
  const points = layer.getLatLngs().map((ll) => map.project(ll, z));
  let best = null, bestD = Infinity;
  for (let i = 0; i + 1 < points.length; i++) {
    const c = L.LineUtil.closestPointOnSegment(p, points[i], points[i + 1]);
    const d = p.distanceTo(c);
    if (d < bestD) { best = c; bestD = d; }
  }
  return { latlng: map.unproject(best, z), px: bestD / Math.pow(2, z - map.getZoom()) };
}

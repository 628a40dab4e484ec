/* Leaflet.VectorGrid 1.3.0 calls L.DomEvent.fakeStop, which Leaflet 1.8+ removed: clicking a
   tile feature throws (VectorGrid issue #274; fixed by PR #288, merged but unreleased).
   Imported for its effect by the modules that draw vector tiles. */
if (window.L && L.DomEvent && !L.DomEvent.fakeStop) {
  L.DomEvent.fakeStop = (e) => L.DomEvent.stop(e);
}

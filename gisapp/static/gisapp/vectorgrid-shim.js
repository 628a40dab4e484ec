/* Leaflet.VectorGrid 1.3.0 calls L.DomEvent.fakeStop, which Leaflet 1.8+ removed: clicking a
   tile feature throws (VectorGrid issue #274; fixed by PR #288, merged but unreleased). */
(function () {
  if (window.L && L.DomEvent && !L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { return L.DomEvent.stop(e); };
  }
})();

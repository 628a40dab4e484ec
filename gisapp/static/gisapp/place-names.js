/* Place names on a Leaflet map — the county, its towns, rivers and reservoirs, and its major
   roads (layers/place_names.py) — so a map without a basemap still says where one is. Each
   name shows from its zoom on; where two would overlap, the higher-priority one (county, town,
   river, reservoir, road) keeps the place. A road's name sits in a small rounded box edged in
   its grade's colour, after its number where the name does not say it ("G55 二广高速").
   Names are set with textContent (never markup). */

function fillName(span, n) {
  span.textContent = "";
  if (n.number) {
    const number = document.createElement("b");
    number.className = "road-number";
    number.textContent = n.number;
    span.appendChild(number);
    span.appendChild(document.createTextNode(" "));
  }
  span.appendChild(document.createTextNode(n.name));
}

export function placeNamesLayer(map, names) {
  if (!map.getPane("placeNames")) {
    const pane = map.createPane("placeNames");
    pane.style.zIndex = "640";          // above the layers, below popups (700)
    pane.style.pointerEvents = "none";  // names never catch a click meant for a feature
  }
  const markers = (names || []).map(function (n) {
    const look = "place-name place-" + n.kind + (n.grade ? " road-" + n.grade : "");
    const icon = L.divIcon({ className: look, html: "<span></span>", iconSize: null });
    const marker = L.marker([n.lat, n.lon], { icon: icon, pane: "placeNames", interactive: false, keyboard: false });
    marker.placeName = n;
    marker.on("add", function () { fillName(marker.getElement().firstChild, n); });
    return marker;
  });
  const group = L.layerGroup(markers);

  function place() {
    if (!map.hasLayer(group)) { return; }
    const zoom = map.getZoom();
    const taken = [];
    markers.forEach(function (m) {
      const n = m.placeName, node = m.getElement();
      if (!node) { return; }
      let show = zoom >= n.min_zoom && zoom <= n.max_zoom;
      if (show) {
        const span = node.firstChild, p = map.latLngToContainerPoint(m.getLatLng());
        const w = span.offsetWidth / 2 + 4, h = span.offsetHeight / 2 + 2;
        const box = [p.x - w, p.y - h, p.x + w, p.y + h];
        show = !taken.some(function (o) { return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]; });
        if (show) { taken.push(box); }
      }
      node.style.visibility = show ? "" : "hidden";
      node.classList.toggle("place-shown", show);
    });
  }
  map.on("zoomend moveend", place);
  group.on("add", function () { setTimeout(place, 0); });
  return group;
}

/* The current zoom level, bottom right (the editor's hints speak of zoom levels; the metric
   scale bar is django-leaflet's, bottom left). */
export function zoomLevelControl(map, zoomWord) {
  const Zoom = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () {
      const box = L.DomUtil.create("div", "zoom-level leaflet-control");
      const show = function () { box.textContent = zoomWord + " " + map.getZoom(); };
      map.on("zoomend", show);
      show();
      return box;
    },
  });
  new Zoom().addTo(map);
}

/* The network editor: the network in view as editable GeoJSON over the vector-tile context,
   Leaflet-Geoman for drawing and vertex editing, every write through the network API.

   Snapping: the server binds a pipe end to a node (or a pipe) within NETWORK_SNAP_TOLERANCE_M
   metres. Geoman snaps within `snapDistance` PIXELS, so the page converts the tolerance to
   pixels at the current zoom and latitude, on every zoom, for drawing and for vertex editing
   alike. Whatever the browser sends, the server's answer is the truth: after every write the
   drawn or edited layer is replaced by the Feature the server returns. (Geoman's `pinning`,
   dragging shared vertices together, is in Geoman Pro only; here a node move carries the
   connected pipe ends on the server.) */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var E = window.LianzhouEditorApi;
  var api = new E.Api(config.urls);
  var ui = window.LianzhouEditorPanels.create(config);
  var t = ui.t.bind(ui);

  var COLORS = { selected: "#ff7f00", merge: "#984ea3", pending: "#e7298a", current: "#1b9e77",
    yours: "#d7191c", refusal: "#d7191c", problem: "#e6550d", leak: "#08519c" };
  var NOT_SNAPPED = { pmIgnore: true, snapIgnore: true, pane: "editor-marks" };  // never snapped to

  var state = {
    map: null, styles: {}, tiles: {}, tileVersion: 0,
    pipes: null, nodes: null, marks: null, problems: null,
    pipeLayers: {}, nodeLayers: {},
    selected: null, mergeWith: null, selectedNode: null,
    mode: null, pending: null, leakAt: null,
    snapPx: null, loadSeq: 0, loading: 0, reloadTimer: null, busy: 0, historyLoading: 0,
    lastAnswer: null,
  };

  /* ---- the map's layers ----------------------------------------------------------------- */
  function pipeStyle(feature) {
    var p = feature.properties;
    var base = LianzhouStyles.leafletStyle(state.styles.pipes, p);
    var style = Object.assign({}, base, { weight: Math.max((base.weight || 1.5) + 2, 4), opacity: 0.95 });
    if (feature.id === state.selected) { style.color = COLORS.selected; style.weight += 2; style.dashArray = null; }
    if (feature.id === state.mergeWith) { style.color = COLORS.merge; style.weight += 2; }
    return style;
  }

  function nodeStyle(feature) {
    var base = LianzhouStyles.leafletStyle(state.styles["pipe-nodes"], feature.properties);
    var style = Object.assign({}, base, { radius: Math.max(base.radius || 3, 4), fillOpacity: 1 });
    if (state.selectedNode && feature.id === state.selectedNode.id) {
      style.color = COLORS.selected; style.weight = 3; style.radius += 2;
    }
    return style;
  }

  function restyle() {
    if (state.pipes) { state.pipes.setStyle(pipeStyle); }
    Object.keys(state.nodeLayers).forEach(function (id) {
      var layer = state.nodeLayers[id];
      layer.setStyle(nodeStyle(layer.feature));
    });
  }

  function tileUrl(slug) {
    return config.urls.tiles + slug + "/{z}/{x}/{y}.pbf?" + E.query({ v: state.tileVersion });
  }

  /* The context: the whole network from vector tiles (not editable, not snapped to). The
     server thins low-zoom pipe tiles to the mains, so the county view shows them too. */
  function addTiles() {
    [["pipes", 8], ["pipe-nodes", 15]].forEach(function (entry) {
      var slug = entry[0], styles = {};
      styles[slug] = function (props, zoom) {
        return Object.assign({}, LianzhouStyles.leafletStyle(state.styles[slug], props, zoom),
          { opacity: 0.45, fillOpacity: 0.45 });
      };
      state.tiles[slug] = L.vectorGrid.protobuf(tileUrl(slug), {
        rendererFactory: L.canvas.tile,
        interactive: false,
        vectorTileLayerStyles: styles,
        minZoom: entry[1],
        maxNativeZoom: 18,
        maxZoom: 20,
        fetchOptions: { credentials: "same-origin" },
        pmIgnore: true,
      }).addTo(state.map);
    });
  }

  /* Town boundaries for orientation: thin, not clickable, never snapped to. */
  function addTowns() {
    if (!config.urls.towns) { return Promise.resolve(); }
    state.map.createPane("editor-context").style.zIndex = 350;
    return api.towns().then(function (data) {
      L.geoJSON(data, { style: { color: "#7a8691", weight: 1.2, dashArray: "5 4", fill: false },
        interactive: false, pane: "editor-context", pmIgnore: true, snapIgnore: true }).addTo(state.map);
    }, fail);
  }

  /* The view in the address (#zoom/lat/lon), so that a place can be bookmarked or shared. */
  function viewFromHash() {
    var parts = (window.location.hash || "").slice(1).split("/").map(Number);
    if (parts.length !== 3 || !parts.every(isFinite)) { return false; }
    state.map.setView([parts[1], parts[2]], parts[0], { animate: false });
    return true;
  }

  function viewToHash() {
    var c = state.map.getCenter();
    var hash = "#" + state.map.getZoom() + "/" + c.lat.toFixed(6) + "/" + c.lng.toFixed(6);
    window.history.replaceState(null, "", hash);
  }

  function refreshTiles() {
    state.tileVersion += 1;
    Object.keys(state.tiles).forEach(function (slug) { state.tiles[slug].setUrl(tileUrl(slug)); });
  }

  function makeEditableLayers() {
    // Nodes above pipes (a pipe redrawn after a write must not cover its end nodes), marks
    // (refusals, conflicts, problems) above both.
    state.map.createPane("editor-nodes").style.zIndex = 450;
    state.map.createPane("editor-marks").style.zIndex = 460;
    state.pipes = L.geoJSON(null, {
      style: pipeStyle,
      onEachFeature: function (feature, layer) {
        // The server joins ends to pipes in service or planned only: so does the snapping.
        layer.options.snapIgnore = feature.properties.status === "abandoned";
        state.pipeLayers[feature.id] = layer;
        layer.on("click", function (e) { onPipeClick(feature.id, e); });
      },
    }).addTo(state.map);
    // Nodes are snap targets (snapIgnore: false) but are not edited by Geoman (pmIgnore).
    state.nodes = L.geoJSON(null, {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, Object.assign(nodeStyle(feature),
          { pane: "editor-nodes", pmIgnore: true, snapIgnore: false }));
      },
      onEachFeature: function (feature, layer) {
        state.nodeLayers[feature.id] = layer;
        layer.on("click", function (e) { onNodeClick(feature.id, e); });
      },
    }).addTo(state.map);
    state.marks = L.layerGroup([], NOT_SNAPPED).addTo(state.map);
    state.problems = L.layerGroup([], NOT_SNAPPED).addTo(state.map);
  }

  function viewBbox() {
    var b = state.map.getBounds().pad(0.1);
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return +v.toFixed(7); });
  }

  function clearEditable() {
    state.pipes.clearLayers();
    state.nodes.clearLayers();
    state.pipeLayers = {};
    state.nodeLayers = {};
  }

  /* Load the pipes and nodes in view (when zoomed in enough), keeping the selection. */
  function reload() {
    var seq = ++state.loadSeq;
    if (state.map.getZoom() < config.edit_min_zoom) {
      clearEditable();
      ui.zoomHint(t("zoom_in"));
      document.body.setAttribute("data-editor-loaded", String(seq));
      return Promise.resolve();
    }
    if (state.mode === "vertices" || state.mode === "drag") { return Promise.resolve(); }
    ui.zoomHint(null);
    var bbox = viewBbox();
    document.body.removeAttribute("data-editor-loaded");
    state.loading += 1;
    return Promise.all([api.pipesIn(bbox, config.page_size), api.nodesIn(bbox, config.page_size)])
      .finally(function () { state.loading -= 1; })
      .then(function (answers) {
        if (seq !== state.loadSeq || state.mode === "vertices" || state.mode === "drag") { return; }
        clearEditable();
        state.pipes.addData(answers[0]);
        state.nodes.addData(answers[1]);
        if (answers[0].count > answers[0].features.length) {
          ui.zoomHint(t("too_many", { n: answers[0].features.length, count: answers[0].count }));
        }
        if (state.selected && !state.pipeLayers[state.selected]) { select(null); }
        else if (state.selected) { ui.showPipe(state.pipeLayers[state.selected].feature); }
        if (state.selectedNode && !state.nodeLayers[state.selectedNode.id]) { selectNode(null); }
        restyle();
        document.body.setAttribute("data-editor-loaded", String(seq));
      })
      .catch(function (err) {
        if (seq === state.loadSeq) { fail(err); document.body.setAttribute("data-editor-loaded", String(seq)); }
      });
  }

  /* ---- snapping: the server's metres as Geoman's pixels --------------------------------- */
  function updateSnap() {
    var px = E.snapPixels(config.snap_tolerance_m, state.map.getCenter().lat, state.map.getZoom());
    if (px === state.snapPx) { return; }
    state.snapPx = px;
    state.map.pm.setGlobalOptions({ snappable: true, snapDistance: px, snapSegment: true, snapVertex: true });
    document.body.setAttribute("data-snap-px", px.toFixed(3));
  }

  function snapOptions() {
    return { snappable: true, snapDistance: state.snapPx, snapSegment: true, snapVertex: true,
      allowSelfIntersection: false };
  }

  /* ---- replacing layers by the server's features ---------------------------------------- */
  function upsertPipe(feature) {
    var old = state.pipeLayers[feature.id];
    if (old) {
      if (old.pm) { old.pm.disable(); old.pm.disableLayerDrag(); }
      state.pipes.removeLayer(old);
    }
    state.pipes.addData(feature);
  }

  function removePipe(id) {
    var old = state.pipeLayers[id];
    if (old) { state.pipes.removeLayer(old); delete state.pipeLayers[id]; }
    if (state.selected === id) { select(null); }
  }

  function upsertNode(feature) {
    var old = state.nodeLayers[feature.id];
    if (old) { state.nodes.removeLayer(old); }
    state.nodes.addData(feature);
  }

  /* Put every feature of a write's answer on the map; returns them. Then the view is
     reloaded, for the neighbours a write may have changed (a T-junction split, a new node). */
  function applyAnswer(answer) {
    var features = E.featuresOf(answer);
    features.forEach(function (f) {
      if (f.geometry && f.geometry.type === "LineString") { upsertPipe(f); }
      else if (f.geometry && f.geometry.type === "Point") { upsertNode(f); }
    });
    restyle();
    refreshTiles();
    reload();
    return features;
  }

  /* ---- messages for refusals and failures ----------------------------------------------- */
  function refusalMarker(location) {
    var latlng = L.latLng(location[1], location[0]);
    L.circleMarker(latlng, Object.assign({ radius: 10, color: COLORS.refusal, weight: 3, fillOpacity: 0.2,
      className: "refusal-marker" }, NOT_SNAPPED)).addTo(state.marks);
    if (!state.map.getBounds().contains(latlng)) { state.map.panTo(latlng); }
  }

  function fail(err) {
    if (!(err instanceof E.ApiError)) { ui.message("error", t("failed")); console.warn(err); return; }
    if (err.status === 403) { ui.message("error", t("not_allowed"), [err.message]); return; }
    if (err.status === 0 || err.status >= 500) { ui.message("error", t("failed"), [err.message]); return; }
    var d = err.details || {}, lines = [];
    if (d.field) { lines.push(t("field") + ": " + d.field); }
    if (Array.isArray(d.location)) {
      lines.push(t("at") + ": " + d.location[0].toFixed(6) + ", " + d.location[1].toFixed(6));
      refusalMarker(d.location);
    }
    ui.message("error", t("refused") + ": " + (err.message || err.code), lines);
  }

  /* A 409: what is stored now (one colour) and what this user wrote (another); reload or redo. */
  function conflict(err, options) {
    var d = err.details || {};
    var current = d.current || null;
    clearMarks();
    if (current && current.geometry) {
      L.geoJSON(current, Object.assign({ style: { color: COLORS.current, weight: 8, opacity: 0.55 },
        pointToLayer: function (f, ll) { return L.circleMarker(ll, Object.assign({ radius: 9, color: COLORS.current }, NOT_SNAPPED)); },
      }, NOT_SNAPPED)).addTo(state.marks);
    }
    if (options.mine) {
      L.geoJSON({ type: "Feature", geometry: options.mine, properties: {} }, Object.assign({
        style: { color: COLORS.yours, weight: 3, dashArray: "6 6" },
        pointToLayer: function (f, ll) { return L.circleMarker(ll, Object.assign({ radius: 6, color: COLORS.yours }, NOT_SNAPPED)); },
      }, NOT_SNAPPED)).addTo(state.marks);
    }
    var title = options.kind === "node" ? t("conflict_node") : t("conflict");
    // The attributes this user changed that someone else has stored differently meanwhile.
    var differences = Object.keys(options.props || {}).filter(function (k) {
      return current && current.properties[k] !== options.props[k];
    }).map(function (k) { return [k, current.properties[k], options.props[k]]; });
    ui.message("conflict", title, [err.message].concat(current ? [] : [t("conflict_gone")]));
    ui.conflict({
      title: title,
      currentVersion: d.current_version === null || d.current_version === undefined ? "—" : d.current_version,
      yourVersion: options.version,
      differences: differences,
      canRedo: !!(options.redo && current),
      onReload: function () {
        endConflict();
        endMode();
        if (current && options.kind !== "node") { upsertPipe(current); restyle(); }
        refreshTiles();
        reload().then(function () {
          if (state.selected) { select(state.selected); }
        });
      },
      onRedo: function () {
        endConflict();
        options.redo(d.current_version);
      },
    });
  }

  function endConflict() { ui.hideConflict(); clearMarks(); }
  function clearMarks() { state.marks.clearLayers(); }

  /* Run a write: clears old messages; `handle409` gets the conflicts. */
  function write(promise, onDone, conflictOptions) {
    ui.clearMessage();
    state.busy += 1;
    return promise.then(function (answer) {
      state.busy -= 1;
      state.lastAnswer = answer;
      endConflict();
      onDone(answer);
    }, function (err) {
      state.busy -= 1;
      if (err instanceof E.ApiError && err.status === 409 && conflictOptions) { conflict(err, conflictOptions); }
      else { fail(err); }
    });
  }

  /* ---- selection -------------------------------------------------------------------------- */
  function feature(id) { var l = state.pipeLayers[id]; return l ? l.feature : null; }

  function select(id) {
    state.selected = id;
    state.mergeWith = null;
    if (id !== null) { selectNode(null, true); }
    var f = id === null ? null : feature(id);
    ui.showPipe(f);
    restyle();
    if (f) { loadHistory(id); } else { ui.hideHistory(); }
  }

  function selectNode(id, quiet) {
    if (id === null) {
      state.selectedNode = null;
      ui.showNode(null);
      if (!quiet) { restyle(); }
      return;
    }
    select(null);
    var layer = state.nodeLayers[id];
    state.selectedNode = { id: id, version: null, feature: layer.feature };
    restyle();
    // The list lacks the node's version; the detail has it (and the degree).
    state.busy += 1;
    api.nodeRead(id).finally(function () { state.busy -= 1; }).then(function (f) {
      if (!state.selectedNode || state.selectedNode.id !== id) { return; }
      state.selectedNode.version = f.properties.version;
      state.selectedNode.feature = f;
      ui.showNode(f);
    }, fail);
  }

  function onPipeClick(id, e) {
    if (state.mode === "merge") {
      L.DomEvent.stop(e);
      if (id !== state.selected) { mergeInto(state.selected, id); }
      return;
    }
    if (state.mode) { return; }  // drawing, splitting...: the map's click handles it
    L.DomEvent.stop(e);
    select(id);
  }

  function onNodeClick(id, e) {
    if (state.mode) { return; }
    L.DomEvent.stop(e);
    selectNode(id);
  }

  function loadHistory(id) {
    state.historyLoading += 1;
    return api.history("pipes", id).finally(function () { state.historyLoading -= 1; })
      .then(function (data) {
        if (state.selected !== id) { return; }
        ui.history(data, function (change) { revert(id, change); });
      }, fail);
  }

  window.LianzhouEditor = {
    config: config, state: state, api: api, ui: ui, COLORS: COLORS, NOT_SNAPPED: NOT_SNAPPED,
    upsertPipe: upsertPipe, removePipe: removePipe, applyAnswer: applyAnswer, fail: fail,
    write: write, select: select, selectNode: selectNode, feature: feature, reload: reload,
    refreshTiles: refreshTiles, snapOptions: snapOptions, clearMarks: clearMarks,
    loadHistory: loadHistory, restyle: restyle,
    /* Nothing loading, writing or about to reload (the browser tests wait for this). */
    idle: function () {
      var tiles = Object.keys(state.tiles).some(function (k) {
        return state.map.hasLayer(state.tiles[k]) && state.tiles[k].isLoading();
      });
      return !tiles && !state.reloadTimer && !state.loading && !state.busy && !state.historyLoading;
    },
    setMode: null, endMode: null,  // set by editor-tools.js
  };

  function endMode() { window.LianzhouEditor.endMode(); }
  function mergeInto(a, b) { window.LianzhouEditor.merge(a, b); }
  function revert(id, change) { window.LianzhouEditor.revert(id, change); }

  /* ---- start -------------------------------------------------------------------------- */
  function loadStyles() {
    return Promise.all(Object.keys(config.styleUrls).map(function (slug) {
      return fetch(config.styleUrls[slug], { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) { state.styles[slug] = s; });
    }));
  }

  function init(map) {
    state.map = map;
    map.pm.setLang(config.lang && config.lang.indexOf("zh") === 0 ? "zh" : "en");
    ui.nodeKinds();
    ui.bindForms();
    var b = config.county_bbox;
    if (!viewFromHash()) { map.fitBounds([[b[1], b[0]], [b[3], b[2]]]); }
    loadStyles().then(function () {
      addTiles();
      makeEditableLayers();
      updateSnap();
      window.LianzhouEditor.bindTools();
      map.on("zoomend moveend", updateSnap);
      map.on("moveend", function () {
        viewToHash();
        clearTimeout(state.reloadTimer);
        state.reloadTimer = setTimeout(function () { state.reloadTimer = null; reload(); }, 150);
      });
      return Promise.all([reload(), addTowns()]);
    }).then(function () {
      document.body.setAttribute("data-editor-ready", "1");
    }).catch(function (err) { fail(err); });
  }

  window.lianzhouEditorInit = function (map) { init(map); };
})();

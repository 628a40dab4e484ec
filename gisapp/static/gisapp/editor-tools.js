/* The network editor's operations: draw, edit vertices, move, split, merge, retire and
   restore, attributes, nodes, leaks, history revert and the network check. Each write sends
   the version the engineer read; a 409 shows the conflict (editor.js), a 400 the refusal. */
(function () {
  "use strict";

  var ed = window.LianzhouEditor;
  var config = ed.config, state = ed.state, api = ed.api, ui = ed.ui, COLORS = ed.COLORS;
  var t = ui.t.bind(ui);
  var el = window.LianzhouEditorPanels.el;
  var leaks = null;  // leak markers recorded in this session
  var editOriginal = null;  // the stored feature of the pipe being edited (vertices / drag)

  function tolerance() { return { m: config.snap_tolerance_m }; }
  function lonlat(latlng) { return [+latlng.lng.toFixed(9), +latlng.lat.toFixed(9)]; }
  function lineOf(layer) {
    return { type: "LineString", coordinates: layer.getLatLngs().map(lonlat) };
  }
  function version(id) { var f = ed.feature(id); return f ? f.properties.version : null; }
  function code(f) { return f ? (f.properties.code || String(f.id)) : ""; }

  /* ---- modes -------------------------------------------------------------------------------- */
  function setMode(mode, hint, withSave) {
    endMode();
    state.mode = mode;
    document.body.setAttribute("data-mode", mode);
    state.map.getContainer().classList.add("editor-mode-" + mode);
    ui.modeHint(hint, withSave);
  }

  /* Leave the current mode; an unsaved route edit goes back to the stored feature. */
  function endMode(saved) {
    var mode = state.mode;
    if (!mode) { return; }
    state.mode = null;
    document.body.removeAttribute("data-mode");
    state.map.getContainer().classList.remove("editor-mode-" + mode);
    ui.modeHint(null);
    if (mode === "draw" || mode === "node" || mode === "node-move") { state.map.pm.disableDraw(); }
    if ((mode === "vertices" || mode === "drag") && editOriginal) {
      var layer = state.pipeLayers[editOriginal.id];
      if (layer && layer.pm) { layer.pm.disable(); layer.pm.disableLayerDrag(); }
      if (!saved) { ed.upsertPipe(editOriginal); ed.restyle(); }
      editOriginal = null;
    }
    if (mode === "merge") { state.mergeWith = null; ed.restyle(); }
    if (mode === "leak") { ui.closeForm("leak-form"); }
  }

  function needsZoom() {
    if (state.map.getZoom() >= config.edit_min_zoom) { return false; }
    ui.message("info", t("zoom_in"));
    return true;
  }

  function needsPipe() {
    if (state.selected !== null && ed.feature(state.selected)) { return false; }
    ui.message("info", t("select_first"));
    return true;
  }

  /* A write whose conflict can be redone on the stored version: run(version) → promise. */
  function versioned(kind, readVersion, mine, run, onDone, props) {
    var options = { kind: kind, version: readVersion, mine: mine, props: props };
    options.redo = function (current) {
      options.version = current;
      ed.write(run(current), onDone, options);
    };
    return ed.write(run(readVersion), onDone, options);
  }

  /* ---- drawing a new pipe ------------------------------------------------------------------ */
  function startDraw() {
    if (needsZoom()) { return; }
    ed.select(null);
    ed.selectNode(null);
    cancelPending();
    setMode("draw", t("draw_hint", tolerance()), false);
    state.map.pm.enableDraw("Line", Object.assign(ed.snapOptions(), {
      templineStyle: { color: COLORS.pending, weight: 4 },
      hintlineStyle: { color: COLORS.pending, dashArray: "5,5" },
      pathOptions: { color: COLORS.pending },
      continueDrawing: false,
      tooltips: true,
    }));
  }

  /* Nodes are placed with Geoman too, so that a node put on a pipe snaps onto it exactly as
     far as the server joins it (the tolerance in pixels). */
  function startPlacing(mode, hint) {
    if (needsZoom()) { return; }
    setMode(mode, hint, false);
    state.map.pm.enableDraw("CircleMarker", Object.assign(ed.snapOptions(), {
      templineStyle: { radius: 7, color: COLORS.pending },
      pathOptions: { radius: 7, color: COLORS.pending },
      markerEditable: false,
      continueDrawing: false,
      tooltips: false,
    }));
  }

  function onCreate(e) {
    if (e.shape === "CircleMarker" && (state.mode === "node" || state.mode === "node-move")) {
      var at = e.layer.getLatLng(), placing = state.mode;
      state.map.removeLayer(e.layer);
      endMode();
      if (placing === "node") { nodeAt(at); } else { nodeMoveTo(at); }
      return;
    }
    if (state.mode !== "draw") { return; }
    var latlngs = e.layer.getLatLngs();
    state.map.removeLayer(e.layer);
    endMode();
    var line = L.polyline(latlngs, Object.assign({ color: COLORS.pending, weight: 4, dashArray: "8 6" },
      ed.NOT_SNAPPED)).addTo(state.map);
    state.pending = { geometry: { type: "LineString", coordinates: latlngs.map(lonlat) }, layer: line };
    document.body.setAttribute("data-pending", "1");
    var defaults = { diameter_mm: 100, material: "PE", install_year: new Date().getFullYear(),
      status: "in_service", code: "" };
    ui.attrForm(t("new_pipe"), defaults, savePending, cancelPending);
  }

  function cleanProps(values) {
    var props = Object.assign({}, values);
    if (!props.code) { delete props.code; }
    return props;
  }

  function savePending(values) {
    var pending = state.pending;
    if (!pending) { return; }
    ed.write(api.pipeCreate(pending.geometry, cleanProps(values)), function (answer) {
      cancelPending();
      ui.closeForm("attr-form");
      ed.applyAnswer(answer);
      ed.select(answer.id);
      ui.message("success", t("created", { code: code(answer) }));
    });
  }

  function cancelPending() {
    if (state.pending) { state.map.removeLayer(state.pending.layer); }
    state.pending = null;
    document.body.removeAttribute("data-pending");
  }

  /* ---- editing the selected pipe ----------------------------------------------------------- */
  function editAttributes() {
    var id = state.selected, f = ed.feature(id);
    ui.attrForm(t("selected_pipe") + " " + code(f), f.properties, function (values) {
      var props = cleanProps(values);
      if (props.code === f.properties.code) { delete props.code; }
      versioned("pipe", f.properties.version, f.geometry, function (v) {
        return api.pipeUpdate(id, v, null, props);
      }, function (answer) {
        ui.closeForm("attr-form");
        ed.applyAnswer(answer);
        ed.select(id);
        ui.message("success", t("saved"));
      }, props);
    });
  }

  function startRouteEdit(mode) {
    setMode(mode, mode === "vertices" ? t("vertices_hint", tolerance()) : t("drag_hint"), true);
    var layer = state.pipeLayers[state.selected];
    editOriginal = layer.feature;
    if (mode === "vertices") {
      layer.pm.enable(Object.assign(ed.snapOptions(), { draggable: false, removeVertexOn: "contextmenu" }));
    } else {
      layer.pm.enableLayerDrag();
    }
  }

  function saveRoute() {
    if (!editOriginal) { return; }
    var id = editOriginal.id, layer = state.pipeLayers[id];
    var geometry = lineOf(layer);
    versioned("pipe", editOriginal.properties.version, geometry, function (v) {
      return api.pipeUpdate(id, v, geometry, {});
    }, function (answer) {
      endMode(true);
      ed.applyAnswer(answer);
      ed.select(id);
      ui.message("success", t("saved"));
    });
  }

  /* The point of the line nearest to a click (in projected metres at the map's max zoom, as
     Geoman snaps), and its distance in screen pixels. */
  function nearestOnLine(layer, latlng) {
    var map = state.map, z = map.getMaxZoom(), p = map.project(latlng, z);
    var points = layer.getLatLngs().map(function (ll) { return map.project(ll, z); });
    var best = null, bestD = Infinity;
    for (var i = 0; i + 1 < points.length; i++) {
      var c = L.LineUtil.closestPointOnSegment(p, points[i], points[i + 1]);
      var d = p.distanceTo(c);
      if (d < bestD) { best = c; bestD = d; }
    }
    return { latlng: map.unproject(best, z), px: bestD / Math.pow(2, z - map.getZoom()) };
  }

  function splitAt(latlng) {
    var id = state.selected, layer = state.pipeLayers[id];
    var near = nearestOnLine(layer, latlng);
    if (near.px > 12) { ui.message("info", t("click_on_pipe")); return; }
    var at = lonlat(near.latlng);
    versioned("pipe", version(id), { type: "Point", coordinates: at }, function (v) {
      return api.pipeSplit(id, v, at);
    }, function (answer) {
      endMode(true);
      var parts = ed.applyAnswer(answer).filter(function (f) { return f.geometry.type === "LineString"; });
      ed.select(id);
      ui.message("success", t("split_done", { a: code(parts[0]), b: code(parts[1]) }));
    });
  }

  function merge(a, b) {
    state.mergeWith = b;
    ed.restyle();
    var other = ed.feature(b);
    ed.write(api.pipeMerge([a, b], [version(a), version(b)]), function (answer) {
      endMode(true);
      ed.removePipe(b);
      ed.applyAnswer(answer);
      ed.select(a);
      ui.message("success", t("merged", { code: code(answer) }));
    }, { kind: "pipe", version: version(a), mine: other ? other.geometry : null });
  }

  function retireOrRestore(restore) {
    var id = state.selected, f = ed.feature(id);
    versioned("pipe", f.properties.version, f.geometry, function (v) {
      return restore ? api.pipeRestore(id, v) : api.pipeRetire(id, v);
    }, function (answer) {
      ed.applyAnswer(answer);
      ed.select(id);
      ui.message("success", t(restore ? "restored" : "retired", { code: code(answer) }));
    });
  }

  function startLeak() {
    var id = state.selected, f = ed.feature(id);
    setMode("leak", t("leak_hint"), false);
    state.leakAt = null;
    ui.leakForm(function (values) {
      ed.write(api.leakRecord(id, state.leakAt, values), function (answer) {
        endMode(true);
        var at = answer.geometry.coordinates;
        L.circleMarker([at[1], at[0]], Object.assign({ radius: 7, color: COLORS.leak, weight: 3,
          fillOpacity: 0.6, className: "leak-marker" }, ed.NOT_SNAPPED)).addTo(leaks);
        ui.message("success", t("leak_recorded", { code: code(f) }));
      });
    }, function () { endMode(); });
  }

  function leakAt(latlng) {
    state.leakAt = lonlat(latlng);
    ed.clearMarks();
    L.circleMarker(latlng, Object.assign({ radius: 6, color: COLORS.leak, dashArray: "3 3" },
      ed.NOT_SNAPPED)).addTo(state.marks);
  }

  /* ---- history ------------------------------------------------------------------------------ */
  function revert(id, change) {
    ed.write(api.revert("pipes", id, change.id), function (answer) {
      ed.applyAnswer(answer);
      ui.message("success", t("reverted"));
      if (ed.feature(id)) { ed.select(id); } else { ed.loadHistory(id); }
    }, { kind: "pipe", version: version(id), mine: null });
  }

  /* ---- nodes -------------------------------------------------------------------------------- */
  function nodeAt(latlng) {
    var kind = document.getElementById("node-kind").value;
    ed.write(api.nodeCreate(lonlat(latlng), { kind: kind }), function (answer) {
      endMode(true);
      var node = ed.applyAnswer(answer).filter(function (f) { return f.geometry.type === "Point"; })[0];
      ui.message("success", t("node_created", { code: code(node) }));
    });
  }

  function nodeWrite(run, mine, onDone, props) {
    var node = state.selectedNode;
    if (!node || node.version === null) { return; }
    versioned("node", node.version, mine, run, function (answer) {
      endMode(true);
      onDone(answer);
    }, props);
  }

  function nodeMoveTo(latlng) {
    var id = state.selectedNode.id, to = lonlat(latlng);
    nodeWrite(function (v) { return api.nodeUpdate(id, v, to, {}); }, { type: "Point", coordinates: to },
      function (answer) { ed.applyAnswer(answer); ed.selectNode(id); ui.message("success", t("saved")); });
  }

  function nodeKind() {
    var id = state.selectedNode.id, kind = document.getElementById("node-kind-edit").value;
    nodeWrite(function (v) { return api.nodeUpdate(id, v, null, { kind: kind }); }, null,
      function (answer) { ed.applyAnswer(answer); ed.selectNode(id); ui.message("success", t("saved")); },
      { kind: kind });
  }

  function nodeDelete() {
    var id = state.selectedNode.id;
    nodeWrite(function (v) { return api.nodeDelete(id, v); }, null, function () {
      var layer = state.nodeLayers[id];
      if (layer) { state.nodes.removeLayer(layer); delete state.nodeLayers[id]; }
      ed.selectNode(null);
      ed.refreshTiles();
      ed.reload();
      ui.message("success", t("node_deleted"));
    });
  }

  /* ---- the network check ------------------------------------------------------------------- */
  function problemPopup(f) {
    var p = f.properties;
    return el("div", { class: "popup" }, el("strong", { text: config.problems[p.problem] || p.problem }),
      el("div", { text: p.message }),
      el("div", { text: [].concat(p.pipe_codes || [], p.node_codes || []).join(", ") }));
  }

  function checkNetwork() {
    var b = state.map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    state.busy += 1;
    api.validate(bbox).then(function (data) {
      state.busy -= 1;
      state.problems.clearLayers();
      var markers = data.features.map(function (f) {
        var c = f.geometry.coordinates;
        return L.circleMarker([c[1], c[0]], Object.assign({ radius: 8, color: COLORS.problem, weight: 3,
          fillOpacity: 0.25, className: "problem-marker" }, ed.NOT_SNAPPED))
          .bindPopup(problemPopup(f)).addTo(state.problems);
      });
      ui.problems(data, function (f, i) {
        var c = f.geometry.coordinates;
        state.map.setView([c[1], c[0]], Math.max(state.map.getZoom(), 18));
        markers[i].openPopup();
      });
    }, function (err) { state.busy -= 1; ed.fail(err); });
  }

  /* ---- finding a pipe or node by its code --------------------------------------------------- */
  function goTo(hit) {
    var b = hit.bbox;
    state.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: 18, padding: [40, 40], animate: false });
    if (state.map.getZoom() < config.edit_min_zoom) {
      state.map.setZoom(config.edit_min_zoom, { animate: false });
    }
    clearTimeout(state.reloadTimer);
    state.reloadTimer = null;
    ed.reload().then(function () {
      if (hit.layer === "pipes" && ed.feature(hit.id)) { ed.select(hit.id); }
      if (hit.layer === "pipe-nodes" && state.nodeLayers[hit.id]) { ed.selectNode(hit.id); }
    });
  }

  function find(term) {
    var list = document.getElementById("find-results");
    list.textContent = "";
    if (!term) { return; }
    api.search(term).then(function (data) {
      var hits = data.results.filter(function (h) { return h.layer === "pipes" || h.layer === "pipe-nodes"; });
      if (!hits.length) { list.appendChild(el("li", { text: t("nothing_found") })); }
      hits.forEach(function (hit) {
        var li = el("li", { tabindex: "0", "data-layer": hit.layer, "data-id": String(hit.id),
          text: hit.code + " · " + t(hit.layer === "pipes" ? "pipes_label" : "nodes_label") });
        li.addEventListener("click", function () { goTo(hit); });
        li.addEventListener("keydown", function (e) { if (e.key === "Enter") { goTo(hit); } });
        list.appendChild(li);
      });
    }, ed.fail);
  }

  /* ---- wiring ------------------------------------------------------------------------------- */
  var PIPE_ACTIONS = {
    attributes: editAttributes,
    vertices: function () { startRouteEdit("vertices"); },
    drag: function () { startRouteEdit("drag"); },
    split: function () { setMode("split", t("split_hint"), false); },
    merge: function () { setMode("merge", t("merge_hint"), false); },
    leak: startLeak,
    retire: function () { retireOrRestore(false); },
    restore: function () { retireOrRestore(true); },
  };
  var NODE_ACTIONS = {
    kind: nodeKind,
    move: function () { startPlacing("node-move", t("node_move_hint", tolerance())); },
    delete: nodeDelete,
  };

  function onMapClick(e) {
    if (state.mode === "split") { splitAt(e.latlng); }
    else if (state.mode === "leak") { leakAt(e.latlng); }
    else if (!state.mode && !state.pending) { ed.select(null); ed.selectNode(null); }
  }

  function bindTools() {
    var map = state.map;
    leaks = L.layerGroup([], ed.NOT_SNAPPED).addTo(map);
    map.on("pm:create", onCreate);
    map.on("click", onMapClick);
    document.getElementById("tool-draw").addEventListener("click", startDraw);
    document.getElementById("tool-check").addEventListener("click", checkNetwork);
    document.getElementById("tool-node").addEventListener("click", function () {
      startPlacing("node", t("node_hint", tolerance()));
    });
    document.getElementById("mode-save").addEventListener("click", saveRoute);
    document.getElementById("mode-cancel").addEventListener("click", function () { endMode(); });
    document.querySelectorAll("#pipe-actions [data-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (needsPipe()) { return; }
        PIPE_ACTIONS[button.getAttribute("data-action")]();
      });
    });
    document.querySelectorAll("[data-node-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        if (state.selectedNode) { NODE_ACTIONS[button.getAttribute("data-node-action")](); }
      });
    });
    var timer = null;
    document.getElementById("find-q").addEventListener("input", function (e) {
      clearTimeout(timer);
      var term = e.target.value.trim();
      timer = setTimeout(function () { find(term); }, 250);
    });
    document.getElementById("find").addEventListener("submit", function (e) {
      e.preventDefault();
      find(document.getElementById("find-q").value.trim());
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { endMode(); }
    });
  }

  ed.bindTools = bindTools;
  ed.endMode = endMode;
  ed.setMode = setMode;
  ed.merge = merge;
  ed.revert = revert;
})();

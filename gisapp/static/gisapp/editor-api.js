/* The network API as the editor uses it (pipes, nodes, leaks, history, the network check),
   over the site's one client (api.js: session, CSRF token from the page, ApiError). Every write
   carries the version the engineer read; the server answers 409 when it is no longer stored. */
import { deleteJSON, getJSON, patchJSON, postJSON, request } from "./api.js";

export function NetworkApi(urls) { this.urls = urls; }

NetworkApi.prototype = {
  pipe: function (id, suffix) { return this.urls.pipes + id + "/" + (suffix || ""); },
  node: function (id, suffix) { return this.urls.nodes + id + "/" + (suffix || ""); },

  /* The editor shows and writes every property (length, version...): the full set. The
     count of the pipes in view is asked for: the zoom hint says how many were left out. */
  pipesIn: function (bbox, pageSize) {
    return getJSON(this.urls.pipes, { bbox: bbox.join(","), page_size: pageSize, all: "true",
      properties: "all", exact_count: "true" });
  },
  nodesIn: function (bbox, pageSize) {
    return getJSON(this.urls.nodes, { bbox: bbox.join(","), page_size: pageSize, properties: "all" });
  },
  pipeCreate: function (geometry, properties) {
    return postJSON(this.urls.pipes, { type: "Feature", geometry: geometry, properties: properties });
  },
  /* PATCH a pipe: geometry and/or properties; properties.version is the version read. */
  pipeUpdate: function (id, version, geometry, properties) {
    const feature = { type: "Feature", properties: Object.assign({}, properties || {}, { version: version }) };
    if (geometry) { feature.geometry = geometry; }
    return patchJSON(this.pipe(id), feature);
  },
  pipeSplit: function (id, version, lonlat) {
    return postJSON(this.pipe(id, "split/"), { point: lonlat, version: version });
  },
  pipeMerge: function (ids, versions) {
    return postJSON(this.urls.merge, { ids: ids, versions: versions });
  },
  /* Retiring sends its version as If-Match: a DELETE has no body here. */
  pipeRetire: function (id, version) {
    return request("DELETE", this.pipe(id), { headers: { "If-Match": '"' + version + '"' } });
  },
  pipeRestore: function (id, version) {
    return postJSON(this.pipe(id, "restore/"), { version: version });
  },
  history: function (slug, id) {
    return getJSON((slug === "pipes" ? this.pipe(id) : this.node(id)) + "history/");
  },
  revert: function (slug, id, changeId) {
    const base = slug === "pipes" ? this.pipe(id) : this.node(id);
    return postJSON(base + "history/" + changeId + "/revert/", {});
  },
  nodeRead: function (id) { return getJSON(this.node(id)); },
  nodeCreate: function (lonlat, properties) {
    return postJSON(this.urls.nodes, {
      type: "Feature", geometry: { type: "Point", coordinates: lonlat }, properties: properties,
    });
  },
  nodeUpdate: function (id, version, lonlat, properties) {
    const feature = { type: "Feature", properties: Object.assign({}, properties || {}, { version: version }) };
    if (lonlat) { feature.geometry = { type: "Point", coordinates: lonlat }; }
    return patchJSON(this.node(id), feature);
  },
  nodeDelete: function (id, version) {
    return deleteJSON(this.node(id), { version: version });
  },
  leakRecord: function (pipeId, lonlat, properties) {
    return postJSON(this.urls.leaks, {
      type: "Feature",
      geometry: lonlat ? { type: "Point", coordinates: lonlat } : null,
      properties: Object.assign({ pipe_id: pipeId }, properties),
    });
  },
  search: function (term) { return getJSON(this.urls.search, { q: term }); },
  towns: function () { return getJSON(this.urls.towns, { page_size: 500 }); },
  roads: function () { return getJSON(this.urls.roads, { page_size: 500 }); },
  validate: function (bbox) { return getJSON(this.urls.validate, { bbox: bbox.join(",") }); },
};

/* The features of a write's answer: one Feature or a FeatureCollection. */
export function featuresOf(answer) {
  if (!answer) { return []; }
  if (answer.type === "FeatureCollection") { return answer.features || []; }
  return answer.type === "Feature" ? [answer] : [];
}

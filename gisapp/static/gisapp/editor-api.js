/* The network editor's plumbing: requests to the network API (session + CSRF), its error
   shape, and the metre ↔ pixel arithmetic of snapping. No DOM work here. */
(function () {
  "use strict";

  /* Web Mercator: metres on the ground per screen pixel at a latitude and zoom (256 px tiles). */
  var EQUATOR_M_PER_PX_Z0 = 156543.03392;

  function metresPerPixel(lat, zoom) {
    return EQUATOR_M_PER_PX_Z0 * Math.cos(lat * Math.PI / 180) / Math.pow(2, zoom);
  }

  /* Geoman's snapDistance is in pixels; the server snaps within a tolerance in metres. The
     pixel distance equal to the tolerance where the user is looking (Geotrek #1655). Geoman
     replaces 0 by its 30 px default, so never answer 0. */
  function snapPixels(toleranceM, lat, zoom) {
    return Math.max(toleranceM / metresPerPixel(lat, zoom), 0.01);
  }

  function cookie(name) {
    var found = null;
    (document.cookie || "").split(";").forEach(function (part) {
      var kv = part.trim().split("=");
      if (kv[0] === name) { found = decodeURIComponent(kv.slice(1).join("=")); }
    });
    return found;
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return cookie("csrftoken") || (input ? input.value : "");
  }

  /* An error the page can explain: status, message, details (field, problem, location, ...). */
  function ApiError(status, body) {
    var error = (body && body.error) || {};
    this.status = status;
    this.code = error.code || "error";
    this.message = error.message || "";
    this.details = error.details || {};
  }

  function query(params) {
    return Object.keys(params).filter(function (k) {
      return params[k] !== undefined && params[k] !== null;
    }).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  /* One request; resolves with the JSON body, rejects with an ApiError (status 0: no answer). */
  function request(method, url, body, headers) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: Object.assign({ Accept: "application/geo+json, application/json" }, headers || {}),
    };
    if (method !== "GET") {
      options.headers["X-CSRFToken"] = csrfToken();
      if (body !== undefined) {
        options.headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(body);
      }
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!response.ok) { throw new ApiError(response.status, data); }
        return data;
      });
    }, function () { throw new ApiError(0, null); });
  }

  function Api(urls) { this.urls = urls; }

  Api.prototype = {
    pipe: function (id, suffix) { return this.urls.pipes + id + "/" + (suffix || ""); },
    node: function (id, suffix) { return this.urls.nodes + id + "/" + (suffix || ""); },

    pipesIn: function (bbox, pageSize) {
      return request("GET", this.urls.pipes + "?" +
        query({ bbox: bbox.join(","), page_size: pageSize, all: "true" }));
    },
    nodesIn: function (bbox, pageSize) {
      return request("GET", this.urls.nodes + "?" + query({ bbox: bbox.join(","), page_size: pageSize }));
    },
    pipeCreate: function (geometry, properties) {
      return request("POST", this.urls.pipes, { type: "Feature", geometry: geometry, properties: properties });
    },
    /* PATCH a pipe: geometry and/or properties; properties.version is the version read. */
    pipeUpdate: function (id, version, geometry, properties) {
      var feature = { type: "Feature", properties: Object.assign({}, properties || {}, { version: version }) };
      if (geometry) { feature.geometry = geometry; }
      return request("PATCH", this.pipe(id), feature);
    },
    pipeSplit: function (id, version, lonlat) {
      return request("POST", this.pipe(id, "split/"), { point: lonlat, version: version });
    },
    pipeMerge: function (ids, versions) {
      return request("POST", this.urls.merge, { ids: ids, versions: versions });
    },
    pipeRetire: function (id, version) {
      return request("DELETE", this.pipe(id), undefined, { "If-Match": '"' + version + '"' });
    },
    pipeRestore: function (id, version) {
      return request("POST", this.pipe(id, "restore/"), { version: version });
    },
    history: function (slug, id) {
      return request("GET", (slug === "pipes" ? this.pipe(id) : this.node(id)) + "history/");
    },
    revert: function (slug, id, changeId) {
      var base = slug === "pipes" ? this.pipe(id) : this.node(id);
      return request("POST", base + "history/" + changeId + "/revert/", {});
    },
    nodeRead: function (id) { return request("GET", this.node(id)); },
    nodeCreate: function (lonlat, properties) {
      return request("POST", this.urls.nodes, {
        type: "Feature", geometry: { type: "Point", coordinates: lonlat }, properties: properties,
      });
    },
    nodeUpdate: function (id, version, lonlat, properties) {
      var feature = { type: "Feature", properties: Object.assign({}, properties || {}, { version: version }) };
      if (lonlat) { feature.geometry = { type: "Point", coordinates: lonlat }; }
      return request("PATCH", this.node(id), feature);
    },
    nodeDelete: function (id, version) {
      return request("DELETE", this.node(id), { version: version });
    },
    leakRecord: function (pipeId, lonlat, properties) {
      return request("POST", this.urls.leaks, {
        type: "Feature",
        geometry: lonlat ? { type: "Point", coordinates: lonlat } : null,
        properties: Object.assign({ pipe_id: pipeId }, properties),
      });
    },
    search: function (term) {
      return request("GET", this.urls.search + "?" + query({ q: term }));
    },
    towns: function () {
      return request("GET", this.urls.towns + "?" + query({ page_size: 500 }));
    },
    validate: function (bbox) {
      return request("GET", this.urls.validate + "?" + query({ bbox: bbox.join(",") }));
    },
  };

  /* The features of a write's answer: one Feature or a FeatureCollection. */
  function featuresOf(answer) {
    if (!answer) { return []; }
    if (answer.type === "FeatureCollection") { return answer.features || []; }
    return answer.type === "Feature" ? [answer] : [];
  }

  window.LianzhouEditorApi = {
    Api: Api,
    ApiError: ApiError,
    featuresOf: featuresOf,
    metresPerPixel: metresPerPixel,
    snapPixels: snapPixels,
    query: query,
  };
})();

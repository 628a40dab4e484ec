/* The one client of the site's JSON API, shared by every page: the session cookie, the CSRF
   token from the page, and the API's error shape {"error": {"code", "message", "details"}}
   turned into one ApiError.

   The token comes from <meta name="csrf-token"> (gisapp/templates/gisapp/base.html): the CSRF
   cookie is HttpOnly (settings CSRF_COOKIE_HTTPONLY), so a script cannot read it. */

let csrf = null;

/* Read once, on the first write (not at import, so that the module loads where there is no
   document, as in tests/layers/test_style_defaults.py). */
function csrfToken() {
  if (csrf === null) {
    const meta = document.querySelector('meta[name="csrf-token"]');
    csrf = meta ? meta.content : "";
  }
  return csrf;
}

/* A refusal or failure the page can explain. status 0: no answer (offline, server down);
   code, message, details: the API's error document, when the answer had one. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || "");
    this.name = "ApiError";
    this.status = status;
    this.code = error.code || "error";
    this.details = error.details || {};
  }
}

/* "a=1&b=2"; undefined, null and "" values are left out (an empty filter is no filter). */
export function query(params) {
  return Object.keys(params || {})
    .filter((k) => params[k] !== undefined && params[k] !== null && params[k] !== "")
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k])}`)
    .join("&");
}

export function withQuery(url, params) {
  const q = query(params);
  if (!q) { return url; }
  return url + (url.indexOf("?") >= 0 ? "&" : "?") + q;
}

/* One request; resolves with the JSON body (null when empty), rejects with an ApiError.
   options: params (query string), body (sent as JSON), headers. */
export async function request(method, url, options = {}) {
  const headers = Object.assign({ Accept: "application/json" }, options.headers || {});
  const init = { method, credentials: "same-origin", headers };
  if (method !== "GET" && method !== "HEAD") {
    headers["X-CSRFToken"] = csrfToken();
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
  }
  let response, text;
  try {
    response = await fetch(withQuery(url, options.params), init);
    text = await response.text();
  } catch (e) {
    throw new ApiError(0, null);
  }
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!response.ok) { throw new ApiError(response.status, data); }
  return data;
}

export function getJSON(url, params) { return request("GET", url, { params }); }
export function postJSON(url, body, options) { return request("POST", url, Object.assign({}, options, { body })); }
export function patchJSON(url, body, options) { return request("PATCH", url, Object.assign({}, options, { body })); }
export function deleteJSON(url, body, options) { return request("DELETE", url, Object.assign({}, options, { body })); }

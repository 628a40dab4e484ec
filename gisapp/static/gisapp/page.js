/* What the server put in the page for its scripts: the json_script configuration (with the
   labels already translated, so that no user-facing text is written in JavaScript), <meta>
   values, and django-leaflet's map. */

export function readConfig(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

export function metaContent(name) {
  const meta = document.querySelector(`meta[name="${name}"]`);
  return meta ? meta.content : null;
}

/* t(key, {name: value}): the server's label for key, with {name} placeholders filled (the
   values as text). An unknown key shows as itself, so a missing label is visible, not blank. */
export function translator(labels) {
  return function t(key, params) {
    let text = labels[key] || key;
    Object.keys(params || {}).forEach((k) => {
      text = text.split(`{${k}}`).join(String(params[k]));
    });
    return text;
  };
}

/* django-leaflet creates the map on the window's load event and announces it with a
   `map:init` event; listening to it spares the template a global callback function. Module
   scripts run before the load event, so the listener is always in place in time. */
export function onMapInit(id, init) {
  window.addEventListener("map:init", (e) => {
    if (e.detail && e.detail.id === id) { init(e.detail.map); }
  });
}

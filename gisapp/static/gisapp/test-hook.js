/* The browser tests' window into the pages (tests/e2e): window.__lianzhouTest.<page>, for state
   the DOM does not show (the Leaflet map to drive, the features drawn, whether the editor is
   idle). This is the only place a page script sets anything on window; the pages themselves
   never read it. */
export function expose(name, value) {
  if (!window.__lianzhouTest) { window.__lianzhouTest = {}; }
  window.__lianzhouTest[name] = value;
}

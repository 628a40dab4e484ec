/* Small DOM helpers shared by the pages. Text is always inserted as text (textContent or text
   nodes), never parsed as HTML, so markup in the data shows as typed. */
(function () {
  "use strict";

  /* el("td", {text: "…", class: "…", "data-x": "…"}, child, "text", …) */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "class") { node.className = attrs[k]; }
      // Through the CSSOM: a style="" attribute would be refused by the CSP (style-src).
      else if (k === "style") { node.style.cssText = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) { continue; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  window.LianzhouDom = { el: el };
})();

/* Small DOM helpers shared by the pages. Text is always inserted as text (textContent or text
   nodes), never parsed as HTML, so markup in the data shows as typed. */

/* el("td", {text: "…", class: "…", "data-x": "…"}, child, "text", …) */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.keys(attrs || {}).forEach((k) => {
    if (k === "text") { node.textContent = attrs[k]; }
    else if (k === "class") { node.className = attrs[k]; }
    // Through the CSSOM: a style="" attribute would be refused by the CSP (style-src).
    else if (k === "style") { node.style.cssText = attrs[k]; }
    else { node.setAttribute(k, attrs[k]); }
  });
  children.forEach((child) => {
    if (child === null || child === undefined) { return; }
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return node;
}

export function byId(id) { return document.getElementById(id); }

export function show(node, visible) { node.hidden = !visible; }

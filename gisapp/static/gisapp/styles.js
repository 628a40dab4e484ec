/* The style files (styles/<slug>.json, styles/compliance.json) turned into Leaflet path
   options and legend swatches. The same files drive folium and the report maps on the server
   (layers/styles.py), and so do the defaults for a paint key a style leaves out:
   styles/_defaults.json, read here by loadStyles() and there by paint_defaults(). */
import { getJSON } from "./api.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const PAINT_KEYS = ["stroke_color", "stroke_width", "stroke_opacity", "fill_color", "fill_opacity",
  "dash", "radius", "line_cap"];

let defaults = null;  // styles/_defaults.json, once loadStyles() has read it

/* The style documents of urls ({slug: url}) as {slug: document}, and the shared defaults
   (defaultsUrl: the page's <meta name="style-defaults">). */
export async function loadStyles(urls, defaultsUrl) {
  const slugs = Object.keys(urls);
  const answers = await Promise.all([getJSON(defaultsUrl)].concat(slugs.map((s) => getJSON(urls[s]))));
  defaults = answers[0];
  const styles = {};
  slugs.forEach((slug, i) => { styles[slug] = answers[i + 1]; });
  return styles;
}

function paintDefaults() {
  // A programming error, not a user's: the page must load the styles before drawing.
  if (!defaults) { throw new Error("styles.js: loadStyles() has not run"); }
  return defaults;
}

function matches(rule, props) {
  const value = props[rule.field];
  if (value === undefined || value === null) { return false; }
  if ("equals" in rule) { return value === rule.equals; }
  if ("in" in rule) { return rule.in.indexOf(value) >= 0; }
  return (!("min" in rule) || value >= rule.min) && (!("max" in rule) || value < rule.max);
}

function paint(style, props) {
  const out = {};
  PAINT_KEYS.forEach((k) => { if (k in style) { out[k] = style[k]; } });
  (style.rules || []).forEach((rule) => {
    if (matches(rule, props)) { Object.assign(out, rule.style); }
  });
  return out;
}

function given(value, fallback) { return value === undefined || value === null ? fallback : value; }

/* Leaflet path options of a paint; a key the paint leaves out takes the shared default. An
   unfilled polygon or point takes its stroke colour as fill colour. */
function toLeaflet(p, geometry) {
  const d = paintDefaults();
  const o = {
    color: p.stroke_color || d.stroke_color,
    weight: given(p.stroke_width, d.stroke_width),
    opacity: given(p.stroke_opacity, d.stroke_opacity),
    dashArray: p.dash || null,
    lineCap: p.line_cap || d.line_cap,
  };
  if (geometry !== "LineString") {
    o.fill = true;
    o.fillColor = p.fill_color || o.color;
    o.fillOpacity = given(p.fill_opacity, d.fill_opacity);
  }
  if (geometry === "Point") { o.radius = p.radius || d.radius; }
  return o;
}

/* Leaflet path options for one feature: base style, then the thematic rules. Vector tiles
   carry a pipe's own status as `pipe_status` (their `status` is the verdict). */
export function leafletStyle(style, props) {
  if (!style) { return {}; }
  let own = props;
  if ("pipe_status" in props) { own = Object.assign({}, props, { status: props.pipe_status }); }
  const options = toLeaflet(paint(style, own), style.geometry);
  options.geometry = style.geometry;
  return options;
}

/* The verdict's look on top of the base: colour AND dash/weight (and a hatch pattern for
   failing polygons), so that the state never rests on colour alone. */
export function withStatus(options, compliance, status) {
  const look = compliance.states && compliance.states[status];
  if (!look) { return options; }
  const o = Object.assign({}, options);
  o.color = look.stroke_color || o.color;
  if (look.dash) { o.dashArray = look.dash; }
  if (look.line_cap) { o.lineCap = look.line_cap; }
  if (options.geometry === "LineString") {
    o.weight = Math.max(o.weight, status === "non_compliant" ? 3 : o.weight);
    return o;
  }
  o.weight = look.stroke_width || o.weight;
  if (options.geometry === "Polygon") {
    o.fillColor = look.hatch ? `url(#hatch-${status})` : (look.fill_color || o.fillColor);
    o.fillOpacity = look.hatch ? 1 : given(look.fill_opacity, o.fillOpacity);
  } else if (status === "non_compliant") {
    o.radius = (o.radius || paintDefaults().radius) + 3;
  }
  return o;
}

function svgNode(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  Object.keys(attrs).forEach((k) => { node.setAttribute(k, String(attrs[k])); });
  return node;
}

/* An SVG <pattern> per state with a hatch, referenced by failing polygons' fill. */
export function installPatterns(compliance) {
  const svg = svgNode("svg", { width: 0, height: 0, "aria-hidden": "true" });
  svg.style.position = "absolute";
  const defs = svgNode("defs", {});
  Object.keys(compliance.states || {}).forEach((status) => {
    const look = compliance.states[status];
    if (!look.hatch) { return; }
    const h = look.hatch;
    const pattern = svgNode("pattern", { id: `hatch-${status}`, patternUnits: "userSpaceOnUse",
      width: h.spacing, height: h.spacing, patternTransform: `rotate(${h.angle || 45})` });
    pattern.appendChild(svgNode("rect", { width: h.spacing, height: h.spacing,
      fill: look.fill_color || h.color,
      "fill-opacity": given(look.fill_opacity, paintDefaults().fill_opacity) / 2 }));
    pattern.appendChild(svgNode("line", { x1: 0, y1: 0, x2: 0, y2: h.spacing, stroke: h.color,
      "stroke-width": h.width, "stroke-opacity": 0.8 }));
    defs.appendChild(pattern);
  });
  svg.appendChild(defs);
  document.body.appendChild(svg);
}

function swatch(p, geometry) {
  const svg = svgNode("svg", { width: 28, height: 16 });
  const o = toLeaflet(p, geometry);
  let shape;
  if (geometry === "LineString") {
    shape = svgNode("line", { x1: 2, y1: 8, x2: 26, y2: 8 });
  } else if (geometry === "Point") {
    shape = svgNode("circle", { cx: 14, cy: 8, r: Math.min(o.radius, 7) });
  } else {
    shape = svgNode("rect", { x: 3, y: 2, width: 22, height: 12 });
  }
  shape.setAttribute("stroke", o.color);
  shape.setAttribute("stroke-width", String(Math.min(o.weight, 5)));
  if (o.dashArray) { shape.setAttribute("stroke-dasharray", o.dashArray); }
  shape.setAttribute("fill", geometry === "LineString" ? "none" : (p.hatch ? "url(#hatch-non_compliant)" : o.fillColor));
  if (geometry !== "LineString" && !p.hatch) { shape.setAttribute("fill-opacity", String(o.fillOpacity)); }
  svg.appendChild(shape);
  return svg;
}

function label(entry, lang) { return lang && lang.indexOf("en") === 0 ? entry.label_en : entry.label_zh; }

/* A legend block: the layer's own entries, or the verdict states for compliance.json. */
export function legendBlock(style, title, lang) {
  const block = document.createElement("div");
  const head = document.createElement("h4");
  head.textContent = title;
  block.appendChild(head);
  if (!style) { return block; }
  const entries = style.legend || Object.keys(style.states || {}).map((k) =>
    Object.assign({ swatch: style.states[k], geometry: "Polygon" }, style.states[k]));
  entries.forEach((entry) => {
    const row = document.createElement("div");
    row.className = "row";
    const base = style.legend ? Object.assign(paint(style, {}), entry.swatch) : entry.swatch;
    row.appendChild(swatch(base, entry.geometry || style.geometry));
    const text = document.createElement("span");
    text.textContent = label(entry, lang);
    row.appendChild(text);
    block.appendChild(row);
  });
  return block;
}

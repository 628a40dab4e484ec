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

/* The verdict a feature carries: `compliance.status` on the layers API's GeoJSON, `status` on
   the vector tiles (whose pipes carry their own status as `pipe_status`). */
export function verdictOf(props) {
  if (props.compliance) { return props.compliance.status || null; }
  return props.status || null;
}

function ownProps(props) {
  if ("pipe_status" in props) { return Object.assign({}, props, { status: props.pipe_status }); }
  return props;
}

/* The verdict's look on top of the base: colour AND dash/weight (and a hatch pattern for
   failing polygons), so that the state never rests on colour alone. */
function withStatus(options, compliance, status) {
  const look = compliance.states[status];
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

function judged(style, compliance) {
  return Boolean(style && style.verdicts && compliance && compliance.states);
}

/* THE look of a feature, for the map and for the legend alike: the layer's paint with its
   rules applied to the feature's own attributes (`own`), then, on a layer drawn by verdict
   (style.verdicts), the look of its verdict; a feature without one shows as no data. */
function look(style, compliance, own, verdict) {
  const options = toLeaflet(paint(style, own), style.geometry);
  options.geometry = style.geometry;
  if (!judged(style, compliance)) { return options; }
  const status = verdict in compliance.states ? verdict : "no_data";
  return withStatus(options, compliance, status);
}

/* Leaflet path options for one feature of the map (compliance: styles/compliance.json). */
export function featureLook(style, compliance, props) {
  if (!style) { return {}; }
  return look(style, compliance, ownProps(props), verdictOf(props));
}

/* The feature's own look, without verdicts (the network editor). */
export function leafletStyle(style, props) {
  return featureLook(style, null, props);
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

/* A legend swatch drawn with the Leaflet options the map draws the features with. */
function swatch(o, geometry) {
  const svg = svgNode("svg", { width: 28, height: 16, "aria-hidden": "true" });
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
  shape.setAttribute("stroke-opacity", String(o.opacity));
  if (o.dashArray) { shape.setAttribute("stroke-dasharray", o.dashArray); }
  if (o.lineCap) { shape.setAttribute("stroke-linecap", o.lineCap); }
  shape.setAttribute("fill", geometry === "LineString" ? "none" : o.fillColor);
  if (geometry !== "LineString") { shape.setAttribute("fill-opacity", String(o.fillOpacity)); }
  svg.appendChild(shape);
  return svg;
}

function label(entry, lang) { return lang && lang.indexOf("en") === 0 ? entry.label_en : entry.label_zh; }

const LOOK_KEYS = ["color", "weight", "opacity", "dashArray", "lineCap", "fillColor", "fillOpacity", "radius"];

function sameLook(a, b) { return LOOK_KEYS.every((k) => a[k] === b[k]); }

/* The legend of a layer, as rows {kind: "verdict" | "class", label, look}: each look made by
   look(), the function that draws the map's features, on the attributes of the entry's
   `when` (or, for an older entry, its `swatch` paint). On a layer drawn by verdict the rows
   are the verdict states, then the layer's own classes still visible under a verdict (drawn
   as under the first state): a group of entries on the same attributes whose looks all equal
   the plain look (the verdict paints over them, e.g. a polygon's fill) is left out. */
export function legendRows(style, compliance, lang) {
  if (!style) { return []; }
  const verdicts = judged(style, compliance) ? Object.keys(compliance.states) : [];
  const rows = verdicts.map((status) => ({ kind: "verdict", status: status,
    label: label(compliance.states[status], lang), look: look(style, compliance, {}, status) }));
  const shown = verdicts[0] || null;
  const plain = look(style, compliance, {}, shown);
  const groups = {};
  const classes = (style.legend || []).map((entry) => {
    let own;
    if (entry.when) {
      own = look(style, compliance, entry.when, shown);
    } else {
      own = toLeaflet(Object.assign(paint(style, {}), entry.swatch || {}), style.geometry);
      own.geometry = style.geometry;
      if (verdicts.length) { own = withStatus(own, compliance, shown); }
    }
    const group = Object.keys(entry.when || entry.swatch || {}).sort().join(",");
    (groups[group] = groups[group] || []).push(own);
    return { kind: "class", group: group, label: label(entry, lang), look: own };
  });
  const hidden = (row) => verdicts.length > 0 && groups[row.group].every((o) => sameLook(o, plain));
  return rows.concat(classes.filter((row) => !hidden(row)));
}

/* Whether two layers' legends read the same (then the map shows them as one block). */
export function sameLegend(a, b) {
  return a.length === b.length && a.every((row, i) => row.label === b[i].label &&
    row.kind === b[i].kind && sameLook(row.look, b[i].look));
}

/* A legend block: a title, the verdict states on one line, then the classes (two columns when
   there are more than three). `rows` from legendRows(). */
export function legendBlock(style, title, lang, compliance, rows) {
  const block = document.createElement("div");
  block.className = "legend-block";
  const head = document.createElement("h4");
  head.textContent = title;
  block.appendChild(head);
  const all = rows || legendRows(style, compliance, lang);
  const geometry = style ? style.geometry : "Polygon";
  const verdicts = all.filter((r) => r.kind === "verdict");
  const classes = all.filter((r) => r.kind === "class");
  const place = (parent, row) => {
    const item = document.createElement("span");
    item.className = "row";
    item.setAttribute("data-kind", row.kind);
    if (row.status) { item.setAttribute("data-status", row.status); }
    item.appendChild(swatch(row.look, geometry));
    const text = document.createElement("span");
    text.textContent = row.label;
    item.appendChild(text);
    parent.appendChild(item);
  };
  const note = verdicts.length ? label({ label_zh: style.verdict_note_zh, label_en: style.verdict_note_en }, lang) : "";
  if (note) {  // whose verdict the colour is, where it is not the feature's own (the pipes)
    block.appendChild(Object.assign(document.createElement("p"), { className: "note", textContent: note }));
  }
  if (verdicts.length) {
    const line = document.createElement("div");
    line.className = "verdicts";
    verdicts.forEach((row) => place(line, row));
    block.appendChild(line);
  }
  if (classes.length) {
    const list = document.createElement("div");
    list.className = classes.length > 3 ? "classes two" : "classes";
    classes.forEach((row) => place(list, row));
    block.appendChild(list);
  }
  return block;
}

/* The style files (styles/<slug>.json, styles/compliance.json) turned into Leaflet path
   options and legend swatches. The same files drive folium on the server (layers/styles.py). */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";

  function matches(rule, props) {
    var value = props[rule.field];
    if (value === undefined || value === null) { return false; }
    if ("equals" in rule) { return value === rule.equals; }
    if ("in" in rule) { return rule["in"].indexOf(value) >= 0; }
    return (!("min" in rule) || value >= rule.min) && (!("max" in rule) || value < rule.max);
  }

  function paint(style, props) {
    var out = {};
    ["stroke_color", "stroke_width", "stroke_opacity", "fill_color", "fill_opacity", "dash",
      "radius", "line_cap"].forEach(function (k) { if (k in style) { out[k] = style[k]; } });
    (style.rules || []).forEach(function (rule) {
      if (matches(rule, props)) { Object.assign(out, rule.style); }
    });
    return out;
  }

  function toLeaflet(p, geometry) {
    var o = {
      color: p.stroke_color || "#333333",
      weight: p.stroke_width === undefined ? 1.5 : p.stroke_width,
      opacity: p.stroke_opacity === undefined ? 1 : p.stroke_opacity,
      dashArray: p.dash || null,
      lineCap: p.line_cap || "round",
    };
    if (geometry !== "LineString") {
      o.fill = true;
      o.fillColor = p.fill_color || o.color;
      o.fillOpacity = p.fill_opacity === undefined ? 0.3 : p.fill_opacity;
    }
    if (geometry === "Point") { o.radius = p.radius || 4; }
    return o;
  }

  /* Leaflet path options for one feature: base style, then the thematic rules. Vector tiles
     carry a pipe's own status as `pipe_status` (their `status` is the verdict). */
  function leafletStyle(style, props) {
    if (!style) { return {}; }
    var own = props;
    if ("pipe_status" in props) { own = Object.assign({}, props, { status: props.pipe_status }); }
    var options = toLeaflet(paint(style, own), style.geometry);
    options.geometry = style.geometry;
    return options;
  }

  /* The verdict's look on top of the base: colour AND dash/weight (and a hatch pattern for
     failing polygons), so that the state never rests on colour alone. */
  function withStatus(options, compliance, status) {
    var look = compliance.states && compliance.states[status];
    if (!look) { return options; }
    var o = Object.assign({}, options);
    o.color = look.stroke_color || o.color;
    if (look.dash) { o.dashArray = look.dash; }
    if (look.line_cap) { o.lineCap = look.line_cap; }
    if (options.geometry === "LineString") {
      o.weight = Math.max(o.weight, status === "non_compliant" ? 3 : o.weight);
      return o;
    }
    o.weight = look.stroke_width || o.weight;
    if (options.geometry === "Polygon") {
      o.fillColor = look.hatch ? "url(#hatch-" + status + ")" : (look.fill_color || o.fillColor);
      o.fillOpacity = look.hatch ? 1 : (look.fill_opacity === undefined ? o.fillOpacity : look.fill_opacity);
    } else if (status === "non_compliant") {
      o.radius = (o.radius || 4) + 3;
    }
    return o;
  }

  /* An SVG <pattern> per state with a hatch, referenced by failing polygons' fill. */
  function installPatterns(compliance) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.style.position = "absolute";
    var defs = document.createElementNS(SVG_NS, "defs");
    Object.keys(compliance.states || {}).forEach(function (status) {
      var look = compliance.states[status];
      if (!look.hatch) { return; }
      var h = look.hatch;
      var pattern = document.createElementNS(SVG_NS, "pattern");
      pattern.setAttribute("id", "hatch-" + status);
      pattern.setAttribute("patternUnits", "userSpaceOnUse");
      pattern.setAttribute("width", h.spacing);
      pattern.setAttribute("height", h.spacing);
      pattern.setAttribute("patternTransform", "rotate(" + (h.angle || 45) + ")");
      var back = document.createElementNS(SVG_NS, "rect");
      back.setAttribute("width", h.spacing);
      back.setAttribute("height", h.spacing);
      back.setAttribute("fill", look.fill_color || h.color);
      back.setAttribute("fill-opacity", String((look.fill_opacity || 0.3) / 2));
      var line = document.createElementNS(SVG_NS, "line");
      line.setAttribute("x1", "0"); line.setAttribute("y1", "0");
      line.setAttribute("x2", "0"); line.setAttribute("y2", h.spacing);
      line.setAttribute("stroke", h.color);
      line.setAttribute("stroke-width", h.width);
      line.setAttribute("stroke-opacity", "0.8");
      pattern.appendChild(back);
      pattern.appendChild(line);
      defs.appendChild(pattern);
    });
    svg.appendChild(defs);
    document.body.appendChild(svg);
  }

  function swatch(p, geometry) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "16");
    var o = toLeaflet(p, geometry);
    var shape;
    if (geometry === "LineString") {
      shape = document.createElementNS(SVG_NS, "line");
      shape.setAttribute("x1", "2"); shape.setAttribute("y1", "8");
      shape.setAttribute("x2", "26"); shape.setAttribute("y2", "8");
    } else if (geometry === "Point") {
      shape = document.createElementNS(SVG_NS, "circle");
      shape.setAttribute("cx", "14"); shape.setAttribute("cy", "8");
      shape.setAttribute("r", String(Math.min(o.radius, 7)));
    } else {
      shape = document.createElementNS(SVG_NS, "rect");
      shape.setAttribute("x", "3"); shape.setAttribute("y", "2");
      shape.setAttribute("width", "22"); shape.setAttribute("height", "12");
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
  function legendBlock(style, title, lang) {
    var block = document.createElement("div");
    var head = document.createElement("h4");
    head.textContent = title;
    block.appendChild(head);
    if (!style) { return block; }
    var entries = style.legend || Object.keys(style.states || {}).map(function (k) {
      return Object.assign({ swatch: style.states[k], geometry: "Polygon" }, style.states[k]);
    });
    entries.forEach(function (entry) {
      var row = document.createElement("div");
      row.className = "row";
      var base = style.legend ? Object.assign(paint(style, {}), entry.swatch) : entry.swatch;
      row.appendChild(swatch(base, entry.geometry || style.geometry));
      var text = document.createElement("span");
      text.textContent = label(entry, lang);
      row.appendChild(text);
      block.appendChild(row);
    });
    return block;
  }

  window.LianzhouStyles = {
    leafletStyle: leafletStyle, withStatus: withStatus, legendBlock: legendBlock,
    installPatterns: installPatterns,
  };
})();

/* The network editor's side panel: messages, the selection, the attribute and leak forms,
   the history list, the network-check list and the conflict box. Every text that comes from
   the data or the server is inserted with textContent (never innerHTML). */
import { byId, el, show } from "./dom.js";
import { translator } from "./page.js";

export function Panels(config) {
  this.config = config;
  this.formHandlers = {};
  /* A label, with {name} placeholders filled from params (values shown as text). */
  this.t = translator(config.labels);
}

Panels.prototype = {
  /* A property's value as shown: choice labels for codes, "—" for none. */
  value: function (name, value) {
    if (name === "material" || name === "status" || name === "kind") { return this.choiceLabel(name, value); }
    return value === null || value === undefined || value === "" ? "—" : String(value);
  },

  choiceLabel: function (name, value) {
    var found = (this.config.choices[name] || []).filter(function (c) { return c[0] === value; })[0];
    return found ? found[1] : (value === null || value === undefined ? "—" : String(value));
  },

  /* kind: info | success | error | conflict; lines: more lines of text. */
  message: function (kind, text, lines) {
    var box = byId("editor-message");
    box.textContent = "";
    box.setAttribute("data-kind", kind);
    box.appendChild(el("strong", { text: text }));
    (lines || []).forEach(function (line) { box.appendChild(el("div", { text: line })); });
    show(box, true);
  },

  clearMessage: function () {
    var box = byId("editor-message");
    box.textContent = "";
    box.removeAttribute("data-kind");
    show(box, false);
  },

  zoomHint: function (text) {
    var hint = byId("zoom-hint");
    hint.textContent = text || "";
    show(hint, !!text);
  },

  /* The current mode's instructions, and whether it has a Save button (editing a route). */
  modeHint: function (text, withSave) {
    byId("mode-hint").textContent = text || "";
    show(byId("mode-hint"), !!text);
    show(byId("mode-buttons"), !!text);
    show(byId("mode-save"), !!withSave);
  },

  nodeKinds: function () {
    var self = this;
    ["node-kind", "node-kind-edit"].forEach(function (id) {
      var select = byId(id);
      select.textContent = "";
      self.config.choices.kind.forEach(function (c) {
        if (id === "node-kind" && self.config.choices.placed_kinds.indexOf(c[0]) < 0) { return; }
        select.appendChild(el("option", { value: c[0], text: c[1] }));
      });
    });
  },

  _props: function (box, rows) {
    box.textContent = "";
    rows.forEach(function (row) {
      box.appendChild(el("dt", { text: row[0] }));
      box.appendChild(el("dd", { text: row[1] === null || row[1] === undefined ? "—" : String(row[1]) }));
    });
  },

  showPipe: function (feature) {
    show(byId("selection"), !!feature);
    if (!feature) { return; }
    var p = feature.properties, f = this.config.fields;
    byId("selection-title").textContent = this.t("selected_pipe") + " " + (p.code || feature.id);
    this._props(byId("selection-props"), [
      [f.diameter_mm, p.diameter_mm],
      [f.material, this.choiceLabel("material", p.material)],
      [f.install_year, p.install_year],
      [f.status, this.choiceLabel("status", p.status)],
      [f.length_m, p.length_m === undefined ? null : Number(p.length_m).toFixed(1)],
      [f.version, p.version],
    ]);
    var retired = p.status === "abandoned";
    document.querySelectorAll("#pipe-actions button").forEach(function (button) {
      var action = button.getAttribute("data-action");
      button.hidden = (action === "restore") !== retired;
    });
    var leak = document.querySelector("#pipe-actions [data-action=leak]");
    leak.hidden = retired || !this.config.can_record_leaks;
  },

  showNode: function (feature) {
    show(byId("node-selection"), !!feature);
    if (!feature) { return; }
    var p = feature.properties, f = this.config.fields;
    byId("node-title").textContent = this.t("selected_node") + " " + (p.code || feature.id);
    this._props(byId("node-props"), [
      [f.kind, this.choiceLabel("kind", p.kind)],
      [f.version, p.version],
    ]);
    byId("node-kind-edit").value = p.kind;
  },

  _field: function (name, control) {
    return el("label", { class: "field" }, el("span", { text: this.config.fields[name] }), control);
  },

  _select: function (name, choices, value) {
    var select = el("select", { name: name, id: "attr-" + name });
    choices.forEach(function (c) {
      var option = el("option", { value: String(c[0]), text: c[1] });
      if (String(c[0]) === String(value)) { option.selected = true; }
      select.appendChild(option);
    });
    return select;
  },

  /* The attribute form of a new or selected pipe; onSubmit(values) gets typed values. */
  attrForm: function (title, values, onSubmit, onCancel) {
    var form = byId("attr-form"), box = byId("attr-fields"), c = this.config.choices;
    byId("attr-title").textContent = title;
    box.textContent = "";
    var diameters = c.diameter_mm.slice();
    if (values.diameter_mm && diameters.indexOf(values.diameter_mm) < 0) { diameters.push(values.diameter_mm); }
    box.appendChild(this._field("diameter_mm", this._select("diameter_mm",
      diameters.map(function (d) { return [d, "DN " + d]; }), values.diameter_mm)));
    box.appendChild(this._field("material", this._select("material", c.material, values.material)));
    box.appendChild(this._field("install_year", el("input", { type: "number", name: "install_year",
      id: "attr-install_year", min: "1900", max: "2100", step: "1",
      value: values.install_year === null || values.install_year === undefined ? "" : String(values.install_year) })));
    box.appendChild(this._field("status", this._select("status",
      c.status.filter(function (s) { return s[0] !== "abandoned" || values.status === "abandoned"; }),
      values.status)));
    box.appendChild(this._field("code", el("input", { type: "text", name: "code", id: "attr-code",
      maxlength: "32", value: values.code || "", placeholder: this.t("code_optional") })));
    this.formHandlers["attr-form"] = { submit: function () {
      var year = form.elements.install_year.value.trim();
      onSubmit({
        diameter_mm: parseInt(form.elements.diameter_mm.value, 10),
        material: form.elements.material.value,
        install_year: year === "" ? null : Number(year),
        status: form.elements.status.value,
        code: form.elements.code.value.trim(),
      });
    }, cancel: onCancel };
    show(form, true);
    form.elements.diameter_mm.focus();
  },

  leakForm: function (onSubmit, onCancel) {
    var form = byId("leak-form"), box = byId("leak-fields");
    box.textContent = "";
    var today = new Date();
    var iso = today.getFullYear() + "-" + String(today.getMonth() + 1).padStart(2, "0") + "-" +
      String(today.getDate()).padStart(2, "0");
    box.appendChild(this._field("found_on", el("input", { type: "date", name: "found_on", value: iso, required: "required" })));
    box.appendChild(this._field("estimated_loss_m3", el("input", { type: "number", name: "estimated_loss_m3", min: "0", step: "any" })));
    box.appendChild(this._field("cause", el("input", { type: "text", name: "cause", maxlength: "200" })));
    box.appendChild(el("p", { class: "mode-hint", text: this.t("leak_hint") }));
    this.formHandlers["leak-form"] = { submit: function () {
      var loss = form.elements.estimated_loss_m3.value.trim();
      var values = { found_on: form.elements.found_on.value, cause: form.elements.cause.value.trim() };
      if (loss !== "") { values.estimated_loss_m3 = Number(loss); }
      onSubmit(values);
    }, cancel: onCancel };
    show(form, true);
  },

  closeForm: function (id) {
    show(byId(id), false);
    delete this.formHandlers[id];
  },

  /* Wire the forms' submit and cancel buttons once. */
  bindForms: function () {
    var self = this;
    [["attr-form", "attr-cancel"], ["leak-form", "leak-cancel"]].forEach(function (pair) {
      byId(pair[0]).addEventListener("submit", function (e) {
        e.preventDefault();
        var h = self.formHandlers[pair[0]];
        if (h) { h.submit(); }
      });
      byId(pair[1]).addEventListener("click", function () {
        var h = self.formHandlers[pair[0]];
        self.closeForm(pair[0]);
        if (h && h.cancel) { h.cancel(); }
      });
    });
  },

  hideHistory: function () { show(byId("history"), false); },

  /* The changes of a pipe, newest first, each with a Revert button. */
  history: function (data, onRevert) {
    var list = byId("history-list"), self = this;
    list.textContent = "";
    show(byId("history"), true);
    if (!data.results.length) { list.appendChild(el("li", { text: this.t("history_empty") })); }
    data.results.forEach(function (change) {
      var when = (change.created_at || "").replace("T", " ").slice(0, 16);
      var li = el("li", { "data-change": String(change.id), "data-operation": change.operation },
        el("span", { class: "what", text: "#" + change.id + " " + (change.operation_name || change.operation) }),
        el("span", { class: "who", text: when + " · " + (change.user || "—") }));
      if (change.reverts) {
        li.appendChild(el("span", { class: "reverts", text: self.t("revert_of", { id: change.reverts }) }));
      }
      var button = el("button", { type: "button", class: "revert", text: self.t("revert") });
      button.addEventListener("click", function () { onRevert(change); });
      li.appendChild(button);
      list.appendChild(li);
    });
  },

  /* The network check's answer as a list; onPick(feature) when an entry is chosen. */
  problems: function (data, onPick) {
    var list = byId("problem-list"), self = this;
    list.textContent = "";
    show(byId("problems"), true);
    byId("problem-counts").textContent = data.count ? this.t("problems_found", { n: data.count }) : this.t("no_problems");
    data.features.forEach(function (f, i) {
      var p = f.properties;
      var li = el("li", { tabindex: "0", "data-problem": p.problem, "data-index": String(i) },
        el("strong", { text: self.config.problems[p.problem] || p.problem }), " ",
        el("span", { text: p.message }));
      li.addEventListener("click", function () { onPick(f, i); });
      li.addEventListener("keydown", function (e) { if (e.key === "Enter") { onPick(f, i); } });
      list.appendChild(li);
    });
  },

  /* options: title, currentVersion, yourVersion, differences ([field, stored, yours]),
     canRedo, onReload, onRedo. */
  conflict: function (options) {
    var self = this;
    byId("conflict-title").textContent = options.title;
    this._props(byId("conflict-versions"), [
      [this.t("current_version"), options.currentVersion],
      [this.t("your_version"), options.yourVersion],
    ]);
    var diff = byId("conflict-diff"), body = diff.querySelector("tbody");
    byId("conflict-diff-current").textContent = this.t("current_geometry");
    byId("conflict-diff-yours").textContent = this.t("your_geometry");
    body.textContent = "";
    (options.differences || []).forEach(function (row) {
      body.appendChild(el("tr", { "data-field": row[0] }, el("th", { text: self.config.fields[row[0]] || row[0] }),
        el("td", { class: "current", text: self.value(row[0], row[1]) }),
        el("td", { class: "yours", text: self.value(row[0], row[2]) })));
    });
    show(diff, !!(options.differences && options.differences.length));
    byId("conflict-current-label").textContent = this.t("current_geometry");
    byId("conflict-yours-label").textContent = this.t("your_geometry");
    var reload = byId("conflict-reload"), redo = byId("conflict-redo");
    reload.textContent = this.t("reload");
    redo.textContent = this.t("redo");
    reload.onclick = options.onReload;
    redo.onclick = options.onRedo;
    show(redo, !!options.canRedo);
    show(byId("conflict"), true);
  },

  hideConflict: function () { show(byId("conflict"), false); },
};

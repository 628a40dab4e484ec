/* The selected pipe's history (newest change first), each change with a Revert button. */
import { api, state, t, ui } from "./editor-context.js";
import { applyAnswer } from "./editor-layers.js";
import { fail } from "./editor-messages.js";
import { feature, onPipeSelected, select } from "./editor-selection.js";
import { write } from "./editor-write.js";

function version(id) { const f = feature(id); return f ? f.properties.version : null; }

function loadHistory(id) {
  state.historyLoading += 1;
  return api.history("pipes", id).finally(() => { state.historyLoading -= 1; })
    .then((data) => {
      if (state.selected !== id) { return; }
      ui.history(data, (change) => revert(id, change));
    }, fail);
}

function revert(id, change) {
  write(api.revert("pipes", id, change.id), (answer) => {
    applyAnswer(answer);
    ui.message("success", t("reverted"));
    if (feature(id)) { select(id); } else { loadHistory(id); }
  }, { kind: "pipe", version: version(id), mine: null });
}

/* The list follows the selection. */
export function bindHistory() {
  onPipeSelected((id) => { if (id === null) { ui.hideHistory(); } else { loadHistory(id); } });
}

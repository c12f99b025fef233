/* The status line above the question box (role=alert): one message at a time, of a kind
 * ("error" or "poll") so a lost poll never hides an error the user has yet to read. */

import { statusBox } from "./dom.js";
import { translate } from "./i18n.js";
import { state } from "./state.js";

export function showStatus(key, vars, kind) {
  statusBox.dataset.i18n = key;
  statusBox.dataset.vars = JSON.stringify(vars || {});
  translate(statusBox);
  statusBox.hidden = false;
  state.statusKind = kind || "error";
}

export function hideStatus(kind) {
  if (kind && state.statusKind !== kind) return;
  statusBox.hidden = true;
  statusBox.textContent = "";
  delete statusBox.dataset.i18n;
  state.statusKind = null;
}

/* Looking strings up in the current language and filling the data-i18n* attributes of the
 * page with them, so a language switch re-translates everything already on screen. */

import { state } from "./state.js";
import { storedLang } from "./store.js";
import { STRINGS } from "./strings.js";

export function t(key, vars) {
  const table = STRINGS[state.lang] || STRINGS.en;
  let text = key in table ? table[key] : STRINGS.en[key];
  if (typeof text !== "string") return text;
  for (const [name, value] of Object.entries(vars || {})) {
    text = text.split(`{${name}}`).join(String(value));
  }
  return text;
}

function varsOf(node) {
  try {
    return node.dataset.vars ? JSON.parse(node.dataset.vars) : {};
  } catch {
    return {};
  }
}

/** Fill every translatable node under root from the dictionary of the current language. */
export function translate(root) {
  const nodes = [root, ...root.querySelectorAll("*")];
  for (const node of nodes) {
    if (!(node instanceof Element)) continue;
    const vars = varsOf(node);
    if (node.dataset.i18n) node.textContent = t(node.dataset.i18n, vars);
    if (node.dataset.i18nAriaLabel) {
      node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel, vars));
    }
    if (node.dataset.i18nTitle) node.setAttribute("title", t(node.dataset.i18nTitle, vars));
    if (node.dataset.i18nPlaceholder) {
      node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder, vars));
    }
  }
}

/** The stored choice, else the first of the browser's languages the page speaks. */
export function preferredLang() {
  const stored = storedLang();
  if (stored === "en" || stored === "ja") return stored;
  const wanted = navigator.languages && navigator.languages.length
    ? navigator.languages
    : [navigator.language || "en"];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (base === "ja" || base === "en") return base;
  }
  return "en";
}

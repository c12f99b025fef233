/* Dual-Use Desk web chat, entry module: wires the page's controls and starts it. Vanilla ES
 * modules under /static/js/, no build step, nothing loaded from other hosts; each module says
 * what it is for. */

import { ask } from "./js/ask.js";
import { startNewConversation } from "./js/conversation.js";
import {
  autosize,
  el,
  examplesList,
  form,
  input,
  langToggle,
  newConversationButton,
  scrollToEnd,
} from "./js/dom.js";
import { preferredLang, t, translate } from "./js/i18n.js";
import { state } from "./js/state.js";
import { hideStatus, showStatus } from "./js/status.js";
import { storeLang, storedConversation } from "./js/store.js";
import { LANG_NAMES } from "./js/strings.js";
import { poll, startPolling, sync } from "./js/sync.js";

function renderExamples() {
  examplesList.replaceChildren();
  examplesList.setAttribute("aria-label", t("examplesLabel"));
  for (const example of t("examples")) {
    const button = el("button", { className: "example", text: example, attrs: { type: "button" } });
    button.addEventListener("click", () => {
      input.value = "";
      ask(example);
    });
    examplesList.append(el("li", {}, [button]));
  }
}

function setLang(lang) {
  state.lang = lang;
  document.documentElement.lang = lang;
  document.title = t("title");
  const other = lang === "ja" ? "en" : "ja";
  langToggle.textContent = LANG_NAMES[other];
  langToggle.setAttribute("lang", other);
  translate(document.body);
  renderExamples();
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value;
  if (!text.trim()) {
    showStatus("errEmpty");
    input.focus();
    return;
  }
  if (state.busy) return;
  input.value = "";
  autosize();
  ask(text);
});

input.addEventListener("keydown", (event) => {
  // Enter sends; Shift+Enter is a new line; Enter that confirms IME conversion (Japanese
  // input) must not send.
  if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
    return;
  }
  event.preventDefault();
  form.requestSubmit();
});
input.addEventListener("input", () => {
  autosize();
  if (state.statusKind === "error" && input.value.trim()) hideStatus();
});

langToggle.addEventListener("click", () => {
  const next = state.lang === "ja" ? "en" : "ja";
  storeLang(next);
  setLang(next);
});

newConversationButton.addEventListener("click", () => {
  startNewConversation();
  input.focus();
});

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) poll();
});

setLang(preferredLang());
const stored = storedConversation();
if (stored) {
  state.conversationId = stored;
  sync(null)
    .then(() => scrollToEnd())
    .catch((error) => showStatus(error.key || "errNetwork", error.vars));
}
startPolling();

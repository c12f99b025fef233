/* One question's turn: show it, stream the answer into a "thinking" bubble, then match both
 * bubbles to their stored ids; on failure take them back out, keep the question in the box and
 * say what went wrong. */

import { ApiError } from "./api.js";
import { appendMessage, setBusy, setConversation } from "./conversation.js";
import { autosize, el, input, log, nearEnd, scrollToEnd, welcome } from "./dom.js";
import { fillAnswer, renderText, speaker } from "./render.js";
import { state } from "./state.js";
import { hideStatus, showStatus } from "./status.js";
import { streamAnswer } from "./stream.js";
import { sync } from "./sync.js";
import { addTicket } from "./tickets.js";

export async function ask(text) {
  if (state.busy) return;
  hideStatus();
  setBusy(true);
  const controller = new AbortController();
  state.controller = controller;
  const userEl = appendMessage({ role: "user", content: text, citations: [] });
  const botEl = el("article", { className: "msg assistant", attrs: { "aria-busy": "true" } }, [
    speaker("assistant"),
    el("div", { className: "body" }, [el("p", { className: "thinking", i18n: "thinking" })]),
  ]);
  log.append(botEl);
  scrollToEnd();
  const body = botEl.querySelector(".body");
  let streamed = "";
  let final = null;
  try {
    await streamAnswer(text, state.conversationId, controller.signal, (event, data) => {
      const follow = nearEnd();
      if (event === "delta") {
        streamed += JSON.parse(data).text || "";
        renderText(body, streamed, []);
      } else if (event === "reset") {
        streamed = "";
        body.replaceChildren(el("p", { className: "thinking", i18n: "thinking" }));
      } else if (event === "answer") {
        final = JSON.parse(data);
      }
      if (follow) scrollToEnd();
    });
    if (!final) throw new ApiError("errInterrupted");
    const fresh = state.conversationId !== final.conversation_id;
    if (fresh) {
      setConversation(final.conversation_id);
      state.lastId = 0;
    }
    fillAnswer(botEl, final.answer, final.citations);
    try {
      await sync({ user: userEl, assistant: botEl });
    } catch {
      /* ids arrive with the next poll */
    }
    if (final.escalated && final.ticket_id) {
      addTicket({ after: Number(botEl.dataset.id) || 0, ref: final.ticket_id, kind: "escalated" });
    }
    scrollToEnd();
  } catch (error) {
    botEl.remove();
    userEl.remove();
    if (!log.querySelector(".msg")) welcome.hidden = false;
    if (error && error.name === "AbortError") return;
    if (!input.value) input.value = text;
    autosize();
    const key = error instanceof ApiError ? error.key : "errInterrupted";
    showStatus(key, error instanceof ApiError ? error.vars : {});
  } finally {
    if (state.controller === controller) {
      state.controller = null;
      setBusy(false);
    }
  }
}

/* The conversation on the page: which one it is (kept across reloads), adding a message with
 * its ticket notices, the busy flag while a question is in flight, and starting afresh. */

import { log, nearEnd, scrollToEnd, sendButton, welcome } from "./dom.js";
import { messageNode } from "./render.js";
import { state } from "./state.js";
import { hideStatus } from "./status.js";
import { storeConversation, tickets } from "./store.js";
import { placeNotice } from "./tickets.js";

export function setConversation(id) {
  state.conversationId = id;
  storeConversation(id);
}

export function appendMessage(message) {
  const follow = nearEnd();
  welcome.hidden = true;
  const node = messageNode(message);
  log.append(node);
  for (const ticket of tickets(state.conversationId || "")) {
    if (ticket.after === message.id) placeNotice(ticket);
  }
  if (follow) scrollToEnd();
  return node;
}

export function setBusy(busy) {
  state.busy = busy;
  sendButton.disabled = busy;
  log.setAttribute("aria-busy", String(busy));
}

export function startNewConversation() {
  if (state.controller) state.controller.abort();
  state.controller = null;
  setBusy(false);
  state.conversationId = null;
  state.lastId = 0;
  storeConversation(null);
  for (const node of log.querySelectorAll(".msg, .notice")) node.remove();
  welcome.hidden = false;
  hideStatus();
}

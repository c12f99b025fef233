/* Fetching the messages the page has not seen yet (staff replies arrive this way) from
 * /api/conversations/{id}/messages, and polling for them while the page is visible. */

import { request } from "./api.js";
import { log, statusBox } from "./dom.js";
import { appendMessage, startNewConversation } from "./conversation.js";
import { state } from "./state.js";
import { hideStatus, showStatus } from "./status.js";
import { tickets } from "./store.js";
import { placeNotice } from "./tickets.js";

const POLL_MS = 3000;

/** New messages since the last one seen; `pending` are the bubbles of the turn just sent. */
export async function sync(pending) {
  const conversation = state.conversationId;
  if (!conversation) return;
  const url =
    `/api/conversations/${encodeURIComponent(conversation)}/messages?after=${state.lastId}`;
  let response;
  try {
    response = await request(url, { headers: { Accept: "application/json" } });
  } catch (error) {
    if (error.status === 404 && conversation === state.conversationId) {
      startNewConversation();
      showStatus("errLost");
      return;
    }
    throw error;
  }
  const messages = await response.json();
  // A new conversation, or a question sent meanwhile (its turn is claimed by that send).
  if (conversation !== state.conversationId || (!pending && state.busy)) return;
  for (const message of messages) {
    state.lastId = Math.max(state.lastId, message.id);
    if (pending && pending[message.role] && !pending[message.role].dataset.id) {
      pending[message.role].dataset.id = String(message.id);
      continue;
    }
    if (log.querySelector(`.msg[data-id="${message.id}"]`)) continue;
    appendMessage(message);
  }
  for (const ticket of tickets(conversation)) placeNotice(ticket);
}

export async function poll() {
  clearTimeout(state.pollTimer);
  if (state.conversationId && !state.busy && !document.hidden) {
    try {
      await sync(null);
      hideStatus("poll");
    } catch (error) {
      if (!(error && error.name === "AbortError") && statusBox.hidden) {
        showStatus("errPoll", {}, "poll");
      }
    }
  }
  state.pollTimer = setTimeout(poll, POLL_MS);
}

/** Start polling (the first poll comes after one interval). */
export function startPolling() {
  state.pollTimer = setTimeout(poll, POLL_MS);
}

/* Tickets on the page: a notice with the reference after the answer that was passed to staff,
 * and that answer's "Ask institute staff" button marked as done; kept per conversation in
 * storage so a reload puts them back in place. */

import { el, log, scrollToEnd } from "./dom.js";
import { translate } from "./i18n.js";
import { state } from "./state.js";
import { storeTickets, tickets } from "./store.js";

function noticeNode(ticket) {
  const node = el("p", {
    className: "notice",
    i18n: "ticketRequested",
    vars: { ticket: ticket.ref },
  });
  node.dataset.ticket = ticket.ref;
  return node;
}

function markAsked(messageEl) {
  const ask = messageEl && messageEl.querySelector(".ask-staff");
  if (!ask) return;
  ask.disabled = true;
  ask.dataset.i18n = "askedStaff";
  translate(ask);
}

export function placeNotice(ticket) {
  const anchor = ticket.after ? log.querySelector(`.msg[data-id="${ticket.after}"]`) : null;
  if (ticket.kind === "escalated") {
    // The answer itself says it was passed to staff, with the reference: no second notice.
    markAsked(anchor);
    return;
  }
  if (log.querySelector(`.notice[data-ticket="${CSS.escape(ticket.ref)}"]`)) return;
  const node = noticeNode(ticket);
  if (anchor) {
    anchor.after(node);
    markAsked(anchor);
  } else {
    log.append(node);
  }
}

export function addTicket(ticket, scroll) {
  if (!state.conversationId) return;
  const list = tickets(state.conversationId).filter((known) => known.ref !== ticket.ref);
  list.push(ticket);
  storeTickets(state.conversationId, list);
  placeNotice(ticket);
  if (scroll) scrollToEnd();
}

/* The actions under each answer: thumbs up/down (one click saves the rating, remembered across
 * reloads), an optional comment after it, and "Ask institute staff", which opens a ticket. */

import { postJson } from "./api.js";
import { el } from "./dom.js";
import { translate } from "./i18n.js";
import { state } from "./state.js";
import { ratings, rememberRating } from "./store.js";
import { addTicket } from "./tickets.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const THUMB_PATH =
  "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06" +
  "L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22" +
  "l3.02-7.05c.09-.23.14-.47.14-.73v-2z";

function thumbIcon() {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", THUMB_PATH);
  svg.append(path);
  return svg;
}

export function actionsFor(messageEl) {
  const up = el("button", {
    className: "thumb up",
    attrs: { type: "button", "aria-pressed": "false" },
  });
  up.dataset.i18nAriaLabel = "helpful";
  up.dataset.i18nTitle = "helpful";
  up.append(thumbIcon());
  const down = el("button", {
    className: "thumb down",
    attrs: { type: "button", "aria-pressed": "false" },
  });
  down.dataset.i18nAriaLabel = "notHelpful";
  down.dataset.i18nTitle = "notHelpful";
  down.append(thumbIcon());
  const ask = el("button", {
    className: "ask-staff",
    i18n: "askStaff",
    attrs: { type: "button" },
  });
  const feedbackStatus = el("p", { className: "action-status", attrs: { role: "status" } });

  const comment = el("textarea", { className: "comment", attrs: { rows: "2", maxlength: "2000" } });
  const commentId = `comment-${Math.random().toString(36).slice(2)}`;
  comment.id = commentId;
  const commentForm = el("form", { className: "feedback-form", attrs: { hidden: "" } }, [
    el("label", { i18n: "feedbackComment", attrs: { for: commentId } }),
    comment,
    el("div", { className: "row" }, [
      el("button", { className: "primary", i18n: "feedbackSend", attrs: { type: "submit" } }),
      el("button", { className: "cancel", i18n: "cancel", attrs: { type: "button" } }),
    ]),
  ]);

  // One click saves the rating (a second click on the other thumb changes it); the
  // comment is optional and comes after.
  const messageId = () => Number(messageEl.dataset.id) || null;
  const show = (value) => {
    up.setAttribute("aria-pressed", String(value === 1));
    down.setAttribute("aria-pressed", String(value === -1));
  };
  let rating = messageId() ? ratings(state.conversationId || "")[messageId()] || 0 : 0;
  show(rating);
  const send = (value, text) =>
    postJson("/api/feedback", {
      conversation_id: state.conversationId,
      message_id: messageId(),
      rating: value,
      comment: text,
    });
  const choose = async (value) => {
    if (!state.conversationId) return;
    const previous = rating;
    rating = value;
    show(value);
    try {
      await send(value, null);
      if (messageId()) rememberRating(state.conversationId, messageId(), value);
      setActionStatus(feedbackStatus, "feedbackSaved");
      commentForm.hidden = false;
    } catch (error) {
      rating = previous;
      show(previous);
      setActionStatus(feedbackStatus, error.key, error.vars, true);
    }
  };
  up.addEventListener("click", () => choose(1));
  down.addEventListener("click", () => choose(-1));
  const close = () => {
    commentForm.hidden = true;
  };
  commentForm.querySelector(".cancel").addEventListener("click", () => {
    close();
    down.focus();
  });
  commentForm.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      close();
      down.focus();
    }
  });
  commentForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!rating || !state.conversationId || !comment.value.trim()) return;
    const submit = commentForm.querySelector(".primary");
    submit.disabled = true;
    try {
      await send(rating, comment.value.trim());
      commentForm.hidden = true;
      setActionStatus(feedbackStatus, "feedbackThanks");
    } catch (error) {
      setActionStatus(feedbackStatus, error.key, error.vars, true);
    } finally {
      submit.disabled = false;
    }
  });

  ask.addEventListener("click", async () => {
    if (!state.conversationId) return;
    ask.disabled = true;
    ask.dataset.i18n = "askingStaff";
    translate(ask);
    try {
      const created = await postJson(
        `/api/conversations/${encodeURIComponent(state.conversationId)}/escalate`,
        {},
      );
      const after = Number(messageEl.dataset.id) || state.lastId;
      addTicket({ after, ref: created.ticket_id, kind: "requested" }, true);
      setActionStatus(feedbackStatus, null);
    } catch (error) {
      ask.disabled = false;
      ask.dataset.i18n = "askStaff";
      translate(ask);
      setActionStatus(feedbackStatus, error.key, error.vars, true);
    }
  });

  const group = el("div", { className: "row", attrs: { role: "group" } }, [up, down, ask]);
  group.dataset.i18nAriaLabel = "feedbackLabel";
  const actions = el("div", { className: "actions" }, [group, commentForm, feedbackStatus]);
  translate(actions);
  return actions;
}

function setActionStatus(node, key, vars, isError) {
  node.classList.toggle("error", Boolean(isError));
  if (!key) {
    delete node.dataset.i18n;
    node.textContent = "";
    return;
  }
  node.dataset.i18n = key;
  node.dataset.vars = JSON.stringify(vars || {});
  translate(node);
}

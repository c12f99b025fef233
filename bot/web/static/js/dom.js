/* The page's fixed elements, a builder for new nodes (translated as they are made), and the
 * small helpers that keep the message log scrolled and the question box sized. */

import { translate } from "./i18n.js";

const $ = (id) => document.getElementById(id);
export const log = $("messages");
export const welcome = $("welcome");
export const statusBox = $("status");
export const form = $("composer");
export const input = $("question");
export const sendButton = $("send");
export const langToggle = $("lang-toggle");
export const newConversationButton = $("new-conversation");
export const examplesList = $("examples");

export function el(tag, options, children) {
  const node = document.createElement(tag);
  const opts = options || {};
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined) node.textContent = opts.text;
  if (opts.i18n) node.dataset.i18n = opts.i18n;
  if (opts.vars) node.dataset.vars = JSON.stringify(opts.vars);
  for (const [name, value] of Object.entries(opts.attrs || {})) node.setAttribute(name, value);
  for (const child of children || []) node.append(child);
  if (opts.i18n || opts.attrs) translate(node);
  return node;
}

export function nearEnd() {
  return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
}

export function scrollToEnd() {
  log.scrollTop = log.scrollHeight;
}

export function autosize() {
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

/* Messages as DOM nodes: paragraphs and "- " lists, "[n]" citation markers linked to their
 * sources, and the list of sources under an answer.
 *
 * Model and user text is only ever written with textContent (never innerHTML); "[n]" citation
 * markers become links to the citation's own URL (http(s) or same-site paths only).
 */

import { el } from "./dom.js";
import { actionsFor } from "./feedback.js";

/** Only web links and same-site paths: never javascript: or data: URLs. */
function safeUrl(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function citationLink(citation, label) {
  const href = safeUrl(citation.url);
  const title = [citation.title, citation.section].filter(Boolean).join(" — ");
  if (!href) return el("span", { className: "cite", text: label, attrs: { title } });
  return el("a", {
    className: "cite",
    text: label,
    attrs: { href, title, target: "_blank", rel: "noopener" },
  });
}

/** Text with "[n]" markers turned into links to the matching citations. */
function appendInline(parent, text, byNumber) {
  const marker = /\[(\d+)\]/g;
  let last = 0;
  for (const match of text.matchAll(marker)) {
    const citation = byNumber.get(Number(match[1]));
    if (!citation) continue;
    if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
    parent.append(citationLink(citation, match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}

/** Paragraphs and "- " lists, with citation links; plain text only, never HTML. */
export function renderText(container, text, citations) {
  container.replaceChildren();
  const byNumber = new Map((citations || []).map((c) => [Number(c.n), c]));
  let list = null;
  for (const line of String(text || "").split("\n")) {
    const item = /^\s*(?:[-*•・])\s+(.*)$/.exec(line);
    if (item) {
      if (!list) {
        list = el("ul");
        container.append(list);
      }
      const li = el("li");
      appendInline(li, item[1], byNumber);
      list.append(li);
      continue;
    }
    list = null;
    if (!line.trim()) continue;
    const p = el("p");
    appendInline(p, line, byNumber);
    container.append(p);
  }
}

function renderSources(citations) {
  const usable = (citations || []).filter((c) => c && c.n !== undefined);
  if (!usable.length) return null;
  const list = el("ol", { className: "source-list" });
  for (const citation of usable) {
    const label = `[${citation.n}] ${citation.title || citation.doc_id}` +
      (citation.section ? ` — ${citation.section}` : "");
    list.append(el("li", {}, [citationLink(citation, label)]));
  }
  return el("div", { className: "sources" }, [
    el("p", { className: "sources-title", i18n: "sources" }),
    list,
  ]);
}

export function speaker(role) {
  const key = role === "user" ? "you" : role === "staff" ? "staff" : "assistant";
  return el("p", { className: "who", i18n: key });
}

export function messageNode(message) {
  const node = el("article", { className: `msg ${message.role}` });
  if (message.id) node.dataset.id = String(message.id);
  node.append(speaker(message.role));
  const body = el("div", { className: "body" });
  node.append(body);
  if (message.role === "assistant") {
    fillAnswer(node, message.content, message.citations);
  } else {
    renderText(body, message.content, []);
  }
  return node;
}

/** An answer's text, its sources and the feedback actions under it. */
export function fillAnswer(node, text, citations) {
  const body = node.querySelector(".body");
  renderText(body, text, citations);
  node.querySelector(".sources")?.remove();
  node.querySelector(".actions")?.remove();
  const sources = renderSources(citations);
  if (sources) node.append(sources);
  node.append(actionsFor(node));
  node.removeAttribute("aria-busy");
}

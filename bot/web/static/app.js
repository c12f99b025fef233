/* Dual-Use Desk web chat: vanilla JS, no build step, nothing loaded from other hosts.
 *
 * Model and user text is only ever written with textContent (never innerHTML); "[n]" citation
 * markers become links to the citation's own URL (http(s) or same-site paths only).
 */
(() => {
  "use strict";

  const POLL_MS = 3000;
  const KEY_CONVERSATION = "dualuse.conversation";
  const KEY_LANG = "dualuse.lang";
  const KEY_TICKETS = "dualuse.tickets:"; // + conversation id -> [{after, ref, kind}]
  const KEY_RATINGS = "dualuse.ratings:"; // + conversation id -> {message id: +1 | -1}

  const STRINGS = {
    en: {
      title: "Dual-Use Desk",
      tagline: "Answers for startups entering Japan's defense market",
      skip: "Skip to the question box",
      newConversation: "New conversation",
      conversationLabel: "Conversation",
      welcomeTitle: "Ask about eligibility, qualifications, tenders and rules",
      welcomeBody:
        "Every answer cites the document section it comes from. Institute staff can take " +
        "over whenever you need a person.",
      examplesLabel: "Example questions",
      examples: [
        "What documents do I need for the unified qualification?",
        "Which drone tenders are open, and until when?",
        "Do I need a licence to share drone technology with a foreign engineer in Japan?",
      ],
      questionLabel: "Your question",
      placeholder: "Ask a question…",
      send: "Send",
      hint: "Enter to send, Shift+Enter for a new line.",
      note:
        "Answers come from the indexed documents and may be incomplete. Check the cited " +
        "source before you act.",
      you: "You",
      assistant: "Dual-Use Desk",
      staff: "Institute staff",
      thinking: "Looking through the documents…",
      sources: "Sources",
      feedbackLabel: "Rate this answer",
      helpful: "Helpful",
      notHelpful: "Not helpful",
      feedbackComment: "Anything to add? (optional)",
      feedbackSend: "Send comment",
      cancel: "Cancel",
      feedbackThanks: "Thank you for your feedback.",
      feedbackSaved: "Thanks: your rating is saved. You can change it at any time.",
      askStaff: "Ask institute staff",
      askingStaff: "Passing to staff…",
      askedStaff: "Passed to staff",
      ticketRequested:
        "Your question has been passed to institute staff. Ticket reference: {ticket}. " +
        "Their reply will appear here.",
      errEmpty: "Type a question first.",
      errRate: "You are asking too quickly. Please wait {seconds} seconds and try again.",
      errInvalid: "The message could not be sent: {reason}",
      errNetwork: "Could not reach Dual-Use Desk. Check your connection and try again.",
      errServer: "Something went wrong on our side (error {status}). Please try again.",
      errInterrupted: "The answer was interrupted. Please try again.",
      errPoll: "Lost contact with the server; staff replies will appear once it is back.",
      errLost: "The previous conversation could not be found, so a new one has started.",
    },
    ja: {
      title: "Dual-Use Desk",
      tagline: "防衛市場に参入するスタートアップのための回答窓口",
      skip: "質問欄へ移動",
      newConversation: "新しい会話",
      conversationLabel: "会話",
      welcomeTitle: "参加資格・入札参加資格・公募・規則について質問できます",
      welcomeBody:
        "回答には根拠となる文書の節を示します。人に相談したいときは、いつでも担当スタッフに" +
        "引き継げます。",
      examplesLabel: "質問の例",
      examples: [
        "全省庁統一資格の申請に必要な書類は何ですか？",
        "募集中のドローン関連の公募と締切を教えてください。",
        "国内の外国人技術者にドローン技術を教えるには許可が必要ですか？",
      ],
      questionLabel: "質問",
      placeholder: "質問を入力…",
      send: "送信",
      hint: "Enterで送信、Shift+Enterで改行",
      note:
        "回答は登録済みの文書に基づくもので、不完全な場合があります。行動する前に引用元を" +
        "確認してください。",
      you: "あなた",
      assistant: "Dual-Use Desk",
      staff: "担当スタッフ",
      thinking: "文書を確認しています…",
      sources: "出典",
      feedbackLabel: "この回答を評価",
      helpful: "役に立った",
      notHelpful: "役に立たなかった",
      feedbackComment: "補足があればどうぞ（任意）",
      feedbackSend: "コメントを送信",
      cancel: "キャンセル",
      feedbackThanks: "フィードバックありがとうございました。",
      feedbackSaved: "評価を保存しました。いつでも変更できます。",
      askStaff: "担当スタッフに質問する",
      askingStaff: "引き継いでいます…",
      askedStaff: "スタッフに引き継ぎ済み",
      ticketRequested:
        "ご質問を担当スタッフに引き継ぎました。受付番号: {ticket}。回答はこの画面に表示されます。",
      errEmpty: "質問を入力してください。",
      errRate: "質問の間隔が短すぎます。{seconds}秒ほど待ってから、もう一度お試しください。",
      errInvalid: "メッセージを送信できませんでした: {reason}",
      errNetwork: "サーバーに接続できませんでした。接続を確認して、もう一度お試しください。",
      errServer: "サーバー側で問題が発生しました（エラー {status}）。もう一度お試しください。",
      errInterrupted: "回答が途中で中断されました。もう一度お試しください。",
      errPoll: "サーバーとの接続が切れました。再接続後にスタッフからの返信が表示されます。",
      errLost: "以前の会話が見つからなかったため、新しい会話を始めました。",
    },
  };
  const LANG_NAMES = { en: "English", ja: "日本語" };

  const $ = (id) => document.getElementById(id);
  const log = $("messages");
  const welcome = $("welcome");
  const statusBox = $("status");
  const form = $("composer");
  const input = $("question");
  const sendButton = $("send");

  const state = {
    lang: "en",
    conversationId: null,
    lastId: 0,
    busy: false,
    controller: null,
    pollTimer: null,
    statusKind: null,
  };

  // -- storage (private browsing may refuse it: the chat still works, just not across reloads)

  function load(key) {
    try {
      return window.localStorage.getItem(key);
    } catch {
      return null;
    }
  }

  function save(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch {
      /* not persisted */
    }
  }

  function tickets(conversationId) {
    try {
      const parsed = JSON.parse(load(KEY_TICKETS + conversationId) || "[]");
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  }

  function ratings(conversationId) {
    try {
      const parsed = JSON.parse(load(KEY_RATINGS + conversationId) || "{}");
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch {
      return {};
    }
  }

  function rememberRating(conversationId, messageId, rating) {
    const known = ratings(conversationId);
    known[messageId] = rating;
    save(KEY_RATINGS + conversationId, JSON.stringify(known));
  }

  // -- strings

  function t(key, vars) {
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
  function translate(root) {
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

  function preferredLang() {
    const stored = load(KEY_LANG);
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

  function setLang(lang) {
    state.lang = lang;
    document.documentElement.lang = lang;
    document.title = t("title");
    const toggle = $("lang-toggle");
    const other = lang === "ja" ? "en" : "ja";
    toggle.textContent = LANG_NAMES[other];
    toggle.setAttribute("lang", other);
    translate(document.body);
    renderExamples();
  }

  // -- building nodes

  function el(tag, options, children) {
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
  function renderText(container, text, citations) {
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

  function speaker(role) {
    const key = role === "user" ? "you" : role === "staff" ? "staff" : "assistant";
    return el("p", { className: "who", i18n: key });
  }

  function messageNode(message) {
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

  function fillAnswer(node, text, citations) {
    const body = node.querySelector(".body");
    renderText(body, text, citations);
    node.querySelector(".sources")?.remove();
    node.querySelector(".actions")?.remove();
    const sources = renderSources(citations);
    if (sources) node.append(sources);
    node.append(actionsFor(node));
    node.removeAttribute("aria-busy");
  }

  // -- feedback and "Ask institute staff" under each answer

  function actionsFor(messageEl) {
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

  // -- tickets (the page says so with the reference; kept per conversation across reloads)

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

  function placeNotice(ticket) {
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

  function addTicket(ticket, scroll) {
    if (!state.conversationId) return;
    const list = tickets(state.conversationId).filter((known) => known.ref !== ticket.ref);
    list.push(ticket);
    save(KEY_TICKETS + state.conversationId, JSON.stringify(list));
    placeNotice(ticket);
    if (scroll) scrollToEnd();
  }

  // -- talking to the API

  class ApiError extends Error {
    constructor(key, vars) {
      super(key);
      this.key = key;
      this.vars = vars || {};
    }
  }

  async function errorOf(response) {
    if (response.status === 429) {
      const seconds = Number(response.headers.get("retry-after")) || 10;
      return new ApiError("errRate", { seconds });
    }
    if (response.status === 422 || response.status === 400) {
      let reason = "";
      try {
        const body = await response.json();
        reason = Array.isArray(body.detail)
          ? body.detail.map((d) => d.msg).join("; ")
          : String(body.detail || "");
      } catch {
        /* no body */
      }
      return new ApiError("errInvalid", { reason });
    }
    return new ApiError("errServer", { status: response.status });
  }

  async function request(url, init) {
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", ...init });
    } catch (error) {
      if (error && error.name === "AbortError") throw error;
      throw new ApiError("errNetwork");
    }
    if (!response.ok) {
      const error = await errorOf(response);
      error.status = response.status;
      throw error;
    }
    return response;
  }

  async function postJson(url, body) {
    const response = await request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    return response.json();
  }

  /** Server-sent events from a fetch() body (EventSource cannot POST). */
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let event = "message";
    let data = [];
    const dispatch = () => {
      if (data.length) onEvent(event, data.join("\n"));
      event = "message";
      data = [];
    };
    const handle = (line) => {
      if (line === "") return dispatch();
      if (line.startsWith(":")) return undefined;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      return undefined;
    };
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (error && error.name === "AbortError") throw error;
        throw new ApiError("errInterrupted");
      }
      buffer += decoder.decode(chunk.value || new Uint8Array(), { stream: !chunk.done });
      for (;;) {
        const end = buffer.search(/\r|\n/);
        if (end < 0) break;
        // A "\r" at the end of the buffer may be the first half of "\r\n": wait for more.
        if (buffer[end] === "\r" && end === buffer.length - 1 && !chunk.done) break;
        const width = buffer[end] === "\r" && buffer[end + 1] === "\n" ? 2 : 1;
        handle(buffer.slice(0, end));
        buffer = buffer.slice(end + width);
      }
      if (chunk.done) {
        if (buffer) handle(buffer);
        dispatch();
        return;
      }
    }
  }

  // -- the conversation

  function setConversation(id) {
    state.conversationId = id;
    save(KEY_CONVERSATION, id);
  }

  function nearEnd() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 120;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function showStatus(key, vars, kind) {
    statusBox.dataset.i18n = key;
    statusBox.dataset.vars = JSON.stringify(vars || {});
    translate(statusBox);
    statusBox.hidden = false;
    state.statusKind = kind || "error";
  }

  function hideStatus(kind) {
    if (kind && state.statusKind !== kind) return;
    statusBox.hidden = true;
    statusBox.textContent = "";
    delete statusBox.dataset.i18n;
    state.statusKind = null;
  }

  function appendMessage(message) {
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

  /** New messages since the last one seen; `pending` are the bubbles of the turn just sent. */
  async function sync(pending) {
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

  async function poll() {
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

  function setBusy(busy) {
    state.busy = busy;
    sendButton.disabled = busy;
    log.setAttribute("aria-busy", String(busy));
  }

  async function ask(text) {
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
      const response = await request("/api/chat/stream", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ message: text, conversation_id: state.conversationId }),
        signal: controller.signal,
      });
      await readEvents(response, (event, data) => {
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

  function startNewConversation() {
    if (state.controller) state.controller.abort();
    state.controller = null;
    setBusy(false);
    state.conversationId = null;
    state.lastId = 0;
    save(KEY_CONVERSATION, null);
    for (const node of log.querySelectorAll(".msg, .notice")) node.remove();
    welcome.hidden = false;
    hideStatus();
  }

  function renderExamples() {
    const list = $("examples");
    list.replaceChildren();
    list.setAttribute("aria-label", t("examplesLabel"));
    for (const example of t("examples")) {
      const button = el("button", { className: "example", text: example, attrs: { type: "button" } });
      button.addEventListener("click", () => {
        input.value = "";
        ask(example);
      });
      list.append(el("li", {}, [button]));
    }
  }

  function autosize() {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
  }

  // -- wiring

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

  $("lang-toggle").addEventListener("click", () => {
    const next = state.lang === "ja" ? "en" : "ja";
    save(KEY_LANG, next);
    setLang(next);
  });

  $("new-conversation").addEventListener("click", () => {
    startNewConversation();
    input.focus();
  });

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) poll();
  });

  setLang(preferredLang());
  const stored = load(KEY_CONVERSATION);
  if (stored) {
    state.conversationId = stored;
    sync(null)
      .then(() => scrollToEnd())
      .catch((error) => showStatus(error.key || "errNetwork", error.vars));
  }
  state.pollTimer = setTimeout(poll, POLL_MS);
})();

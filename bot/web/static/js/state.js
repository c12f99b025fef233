/* What the page knows right now (language, conversation, last message seen, the request in
 * flight), shared by the modules that read or change it. Nothing here survives a reload:
 * store.js keeps what should. */

export const state = {
  lang: "en",
  conversationId: null,
  lastId: 0,
  busy: false,
  controller: null,
  pollTimer: null,
  statusKind: null,
};

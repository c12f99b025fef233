/* What survives a reload, in localStorage: the conversation id, the language, and per
 * conversation the tickets asked for and the ratings given. Private browsing may refuse
 * storage: the chat still works, just not across reloads. */

const KEY_CONVERSATION = "dualuse.conversation";
const KEY_LANG = "dualuse.lang";
const KEY_TICKETS = "dualuse.tickets:"; // + conversation id -> [{after, ref, kind}]
const KEY_RATINGS = "dualuse.ratings:"; // + conversation id -> {message id: +1 | -1}

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

export const storedConversation = () => load(KEY_CONVERSATION);
export const storeConversation = (id) => save(KEY_CONVERSATION, id);
export const storedLang = () => load(KEY_LANG);
export const storeLang = (lang) => save(KEY_LANG, lang);

export function tickets(conversationId) {
  try {
    const parsed = JSON.parse(load(KEY_TICKETS + conversationId) || "[]");
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

export function storeTickets(conversationId, list) {
  save(KEY_TICKETS + conversationId, JSON.stringify(list));
}

export function ratings(conversationId) {
  try {
    const parsed = JSON.parse(load(KEY_RATINGS + conversationId) || "{}");
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}

export function rememberRating(conversationId, messageId, rating) {
  const known = ratings(conversationId);
  known[messageId] = rating;
  save(KEY_RATINGS + conversationId, JSON.stringify(known));
}

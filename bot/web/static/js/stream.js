/* The client for POST /api/chat/stream: sends the question and hands each server-sent event
 * (delta, reset, answer) to the caller as it arrives. EventSource cannot POST, so the events
 * are read from a fetch() body. */

import { ApiError, request } from "./api.js";

/** Stream the answer to `message`; `onEvent(event, data)` is called once per event. */
export async function streamAnswer(message, conversationId, signal, onEvent) {
  const response = await request("/api/chat/stream", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify({ message, conversation_id: conversationId }),
    signal,
  });
  await readEvents(response, onEvent);
}

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

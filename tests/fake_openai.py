"""A local server that speaks OpenAI's chat-completions protocol (JSON and server-sent-event
streaming), so the real openai client can be tested against it. Its "model" answers from the
first numbered passage it is given, and a test can script failures: a timeout, 429, 500,
malformed output, or invented citations."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.servers import free_port

_PASSAGE = re.compile(r"^\[(\d+)\] [^\n]*\n(.+?)(?=\n\n\[\d+\] |\n</passages>)", re.S | re.M)


@dataclass
class Script:
    """What the next requests get. ``behaviour``: ok | timeout | 429 | 500 | malformed |
    invented | empty."""

    behaviour: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)


def grounded_reply(messages: list[dict[str, Any]]) -> str:
    """The first sentence of passage [1], cited; a rewrite request gets a standalone question."""
    user = messages[-1]["content"]
    if "<passages>" not in user:
        return "When does ATLA-2026-UAS-014 close?"
    match = _PASSAGE.search(user)
    if match is None:
        return "The passages do not answer this."
    sentence = re.split(r"(?<=[.。])\s*", match.group(2).strip())[0]
    return f"According to the passages, {sentence} [{match.group(1)}]"


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.script.requests.append(body)
        behaviour = self.script.behaviour
        if behaviour == "timeout":
            time.sleep(3)
        if behaviour in ("429", "500"):
            status = int(behaviour)
            payload = {"error": {"message": f"scripted {status}", "type": "server_error"}}
            self._json(status, payload, {"Retry-After": "0"} if status == 429 else {})
            return
        if behaviour == "malformed":
            self._raw(200, b'{"choices": [{"message": ', "application/json")
            return
        scripted = {
            "invented": "Startups are always selected [17]. Budgets are unlimited [12].",
            "empty": "",
        }
        text = scripted.get(behaviour, grounded_reply(body["messages"]))
        try:
            if body.get("stream"):
                self._stream(text, body.get("model", "fake"))
            else:
                self._json(200, self._completion(text, body.get("model", "fake")))
        except BrokenPipeError:
            pass  # the client gave up first (the timeout behaviour)

    def _completion(self, text: str, model: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _stream(self, text: str, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
        for piece in pieces:
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._raw(status, json.dumps(payload).encode(), "application/json", headers)

    def _raw(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def fake_openai_server() -> Iterator[tuple[str, Script]]:
    """Yields (base URL for the openai client, the script to steer it)."""
    script = Script()
    handler = type("Handler", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", script
    finally:
        server.shutdown()
        server.server_close()

"""A local server that speaks Slack's Web API (the methods the desk calls), so the real
slack_sdk WebClient can be pointed at it with ``base_url``. Every call is recorded; a test
waits for the calls it expects with :meth:`FakeSlack.wait_for`. :meth:`FakeSlack.throttle_next`
makes the next matching call answer HTTP 429 with ``Retry-After``, as Slack's rate limiter
does; throttled calls are kept apart in ``throttled``."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from tests.servers import free_port

BOT_USER = "UBOTDESK"
BOT_ID = "BBOTDESK"
TEAM = "T0000TEST"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class FakeSlack:
    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    throttled: list[Call] = field(default_factory=list)
    _throttles: list[tuple[str, str | None, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def next_ts(self) -> str:
        with self._lock:
            return f"1800000000.{next(self._ts):06d}"

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def throttle_next(self, method: str, channel: str | None = None, retry_after: int = 1) -> None:
        """The next ``method`` call (to ``channel``, if given) gets 429 + Retry-After."""
        with self._lock:
            self._throttles.append((method, channel, retry_after))

    def take_throttle(self, method: str, args: dict[str, Any]) -> int | None:
        with self._lock:
            for i, (m, channel, retry_after) in enumerate(self._throttles):
                if m == method and channel in (None, args.get("channel")):
                    del self._throttles[i]
                    return retry_after
            return None

    def of(self, method: str, where: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and where(c)]

    def wait_for(
        self,
        method: str,
        where: Callable[[Call], bool] = lambda c: True,
        count: int = 1,
        timeout: float = 60.0,
    ) -> list[Call]:
        """The matching calls, once there are at least ``count`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method, where)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(
            f"no {count} {method} call(s) within {timeout}s; calls: "
            + json.dumps([(c.method, c.args) for c in self.calls], default=str)[:4000]
        )

    def reply(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://dualuse-test.slack.com/",
                "team": "Test",
                "user": "desk",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage":
            ts = self.next_ts()
            message = {"type": "message", "text": args.get("text", ""), "ts": ts}
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self.next_ts()}
        if method in (
            "assistant.threads.setSuggestedPrompts",
            "assistant.threads.setStatus",
            "assistant.threads.setTitle",
        ):
            return {"ok": True}
        if method == "conversations.replies":
            return {"ok": True, "messages": [], "has_more": False}
        if method == "views.open":
            return {"ok": True, "view": {"id": "VFAKE0001", **(args.get("view") or {})}}
        return {"ok": False, "error": "unknown_method"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        method = self.path.rstrip("/").rsplit("/", 1)[-1]
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            args: dict[str, Any] = json.loads(raw or "{}")
        else:
            args = dict(parse_qsl(raw))
            for key in ("blocks", "view", "prompts"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or None
        retry_after = self.fake.take_throttle(method, args)
        if retry_after is not None:
            response: dict[str, Any] = {"ok": False, "error": "ratelimited"}
            with self.fake._lock:
                self.fake.throttled.append(Call(method, args, token, response))
            self._send(429, response, {"Retry-After": str(retry_after)})
            return
        response = self.fake.reply(method, args)
        self.fake.record(Call(method, args, token, response))
        self._send(200, response)

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    """Yields the fake; its ``base_url`` (ending in ``/``) goes to WebClient(base_url=…)."""
    port = free_port()
    fake = FakeSlack(base_url=f"http://127.0.0.1:{port}/api/")
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

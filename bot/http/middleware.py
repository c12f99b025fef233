"""What every request and response passes through: a body-size limit, the same security
headers on every response, and an access log that never writes a conversation id.

Pure ASGI middleware, so streamed answers (server-sent events) pass through unbuffered.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("bot.access")

#: Largest request body per path prefix (bytes); the first prefix that matches applies.
BODY_LIMITS = (
    ("/slack/", 256 * 1024),
    ("/staff/", 256 * 1024),
    ("/api/staff/", 256 * 1024),  # an 8,000-character reply in escaped Japanese is ~96 KB
    ("/api/", 64 * 1024),
)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def content_security_policy(*script_hashes: str) -> str:
    """The one policy every HTML page gets; a page with an inline script names its hash."""
    extra = "".join(f" 'sha256-{h}'" for h in script_hashes)
    return CONTENT_SECURITY_POLICY.format(scripts=extra)


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """413 for a body over its path's limit, whether announced (Content-Length) or streamed,
    before any of it is parsed, validated or echoed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = _limit(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


class SecurityHeaders:
    """nosniff, no framing and a same-origin referrer on every response; a strict
    Content-Security-Policy on every HTML one (unless the page set its own, stricter)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                content_type = dict(headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and (
                    b"content-security-policy" not in present
                ):
                    headers.append((b"content-security-policy", content_security_policy().encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


_CONVERSATION_PATH = re.compile(r"(/api/conversations/)([^/?]+)")


def redact(path: str) -> str:
    """A conversation id is a bearer token: logs get a short hash of it instead."""
    return _CONVERSATION_PATH.sub(lambda m: m.group(1) + "~" + short_hash(m.group(2)), path)


def short_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:10]


class AccessLog:
    """One line per request (method, path with ids hashed, status, milliseconds, client),
    in place of the server's own access log, which would print conversation ids."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            client = scope.get("client") or ("-", 0)
            access_log.info(
                '%s "%s %s" %d %.0fms',
                client[0],
                scope.get("method", "-"),
                redact(scope.get("path", "")),
                status,
                (time.perf_counter() - started) * 1000,
            )


def _limit(scope: Scope) -> int | None:
    if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
        return None
    path = str(scope.get("path", ""))
    return next((limit for prefix, limit in BODY_LIMITS if path.startswith(prefix)), None)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1").strip()
    return None


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "detail": [
                {"loc": ["body"], "msg": f"The request is over {limit} bytes.", "type": "too_large"}
            ]
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""The Bolt app (HTTP mode inside FastAPI at ``POST /slack/events``, or Socket Mode from
``dualuse slack --socket``) and its Web API client."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool

from bot.config import Settings
from bot.http.deps import client_address
from bot.slack.desk import SlackDesk
from bot.slack.listeners import register

DEFAULT_API_URL = "https://slack.com/api/"
log = logging.getLogger(__name__)


def make_client(settings: Settings) -> WebClient:
    """The Web API client; a 429 (rate limited) is retried after its ``Retry-After``, and a
    dropped connection is retried, so an answer is not lost to a busy Slack."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base_url = settings.slack_api_url or DEFAULT_API_URL
    return WebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


MANIFEST = Path(__file__).resolve().parent / "manifest.json"


def app_manifest(public_url: str, socket_mode: bool) -> dict[str, Any]:
    """The app's manifest (scopes, events, interactivity) for HTTP mode at ``public_url``, or
    for Socket Mode, where Slack needs no request URL."""
    manifest: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    settings = manifest["settings"]
    if socket_mode:
        settings["socket_mode_enabled"] = True
        settings["event_subscriptions"].pop("request_url", None)
        settings["interactivity"].pop("request_url", None)
    else:
        url = public_url.rstrip("/") + "/slack/events"
        settings["socket_mode_enabled"] = False
        settings["event_subscriptions"]["request_url"] = url
        settings["interactivity"]["request_url"] = url
    return manifest


def slack_status(settings: Settings) -> str:
    """One line for the start-up log: is Slack on, where, and if not, what is missing."""
    if settings.slack_enabled:
        staff = settings.slack_staff_channel or "none (set DUALUSE_SLACK_STAFF_CHANNEL for cards)"
        return (
            "Slack is ON: HTTP mode, events and interactivity at POST /slack/events; "
            f"staff channel {staff}; {len(settings.slack_staff_user_ids)} staff user(s)"
        )
    missing = [
        name
        for name, value in (
            ("SLACK_BOT_TOKEN", settings.slack_bot_token),
            ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
        )
        if value is None
    ]
    return "Slack is OFF: missing " + " and ".join(missing) + " (no /slack/events route)"


def build_bolt_app(settings: Settings, desk: SlackDesk) -> App:
    secret = settings.slack_signing_secret
    app = App(
        client=desk.client,
        signing_secret=secret.get_secret_value() if secret else None,
        # auth.test runs on the first request, not while the web app is being built.
        token_verification_enabled=False,
        # Listeners run after the 3-second acknowledgement, in Bolt's thread pool.
        process_before_response=False,
        request_verification_enabled=secret is not None,
    )
    register(app, desk)
    return app


def slack_router(settings: Settings) -> APIRouter:
    """``POST /slack/events`` (events and interactivity). It checks the signature itself, then
    hands the request to the Bolt app the composition root keeps on ``app.state.slack``."""
    router = APIRouter(tags=["slack"])
    verifier = SignatureVerifier(
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )

    @router.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        # Checked here first, so that a forged or malformed request is a 401 whose log line
        # never holds its body (Bolt's own check logs the whole body).
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not timestamp.isdigit() or not verifier.is_valid(body, timestamp, signature):
            log.warning(
                "refused an unsigned or stale Slack request (%d bytes) from %s",
                len(body),
                client_address(request),
            )
            return JSONResponse({"error": "invalid request"}, status_code=401)
        bolt: App = request.app.state.slack
        # Bolt's dispatch is synchronous (auth.test, waiting for ack()), so it runs in the
        # thread pool rather than on the event loop.
        response = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(response)

    return router


def run_socket_mode(settings: Settings, desk: SlackDesk) -> None:
    """The same listeners over a Socket Mode websocket (no public URL needed). Blocks until
    interrupted."""
    if settings.slack_app_token is None:
        raise ValueError("Socket Mode needs SLACK_APP_TOKEN.")
    handler = SocketModeHandler(
        build_bolt_app(settings, desk), settings.slack_app_token.get_secret_value()
    )
    handler.start()  # type: ignore[no-untyped-call]

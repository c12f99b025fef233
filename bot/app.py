"""The FastAPI application `dualuse serve` runs: every surface (JSON API, web chat, staff
console, API docs, Slack's endpoint) over the components ``bot/wiring.py`` builds. With the
wiring, the only module that imports across layers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.api.routes import chat, conversations, docs, feedback, health, search, sources
from bot.config import Settings, get_settings
from bot.http.errors import install_error_handlers
from bot.http.middleware import AccessLog, BodySizeLimit, SecurityHeaders
from bot.logs import configure_logging
from bot.slack import build_bolt_app, slack_router, slack_status
from bot.staff.routes import staff_router
from bot.web import routes as web
from bot.wiring import build_components, rate_limits

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        components = build_components(settings)
        app.state.kb = components.kb
        app.state.store = components.store
        app.state.retriever = components.retriever
        app.state.engine = components.engine
        app.state.tickets = components.tickets
        app.state.limiter, app.state.login_throttle = rate_limits(settings)
        if components.slack is not None and settings.slack_enabled:
            app.state.slack = build_bolt_app(settings, components.slack)
        log.info(slack_status(settings))
        yield
        components.close()

    app = FastAPI(
        title="Dual-Use Desk",
        description="Cited answers for startups entering Japan's defense market.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    for router in (
        health.router,
        search.router,
        chat.router,
        conversations.router,
        feedback.router,
        staff_router(settings),
        sources.router,
        docs.router,
        web.router,
    ):
        app.include_router(router)
    if settings.slack_enabled:
        # Slack (HTTP mode) only when both the bot token and the signing secret are set.
        app.include_router(slack_router(settings))
    if settings.trusted_proxies:
        # Forwarded client addresses (rate limits, logs) only from the proxies named.
        app.add_middleware(
            ProxyHeadersMiddleware,
            trusted_hosts=[h.strip() for h in settings.trusted_proxies.split(",") if h.strip()],
        )

    install_error_handlers(app)
    # Outermost last: the access log sees every response, the size limit runs first.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodySizeLimit)
    app.add_middleware(AccessLog)
    return app

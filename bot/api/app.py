"""The FastAPI application `dualuse serve` runs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.api.errors import install_error_handlers
from bot.api.middleware import AccessLog, BodySizeLimit, SecurityHeaders
from bot.api.ratelimit import ConversationRateLimiter
from bot.api.routes import chat, conversations, docs, feedback, health, search, sources
from bot.config import Settings, get_settings
from bot.logs import configure_logging
from bot.services import (
    make_retriever,
    open_knowledge_base,
    wire_services,
)
from bot.slack import make_slack, slack_status
from bot.staff.routes import staff_router
from bot.staff.throttle import LoginThrottle
from bot.store import Store
from bot.web import routes as web

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    # Slack (HTTP mode) only when both the bot token and the signing secret are set.
    slack = make_slack(settings) if settings.slack_enabled else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kb = open_knowledge_base(settings)
        store = Store.for_settings(settings)
        app.state.kb = kb
        app.state.store = store
        app.state.retriever = make_retriever(settings, kb)
        app.state.engine, app.state.tickets = wire_services(
            settings, kb, store, slack.desk if slack else None
        )
        log.info(slack_status(settings))
        app.state.limiter = ConversationRateLimiter(
            settings.chat_rate_limit, settings.rate_limit_storage
        )
        app.state.login_throttle = LoginThrottle(settings.rate_limit_storage)
        yield
        store.close()
        kb.close()

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
    if slack:
        app.include_router(slack.router)
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

"""The FastAPI application `dualuse serve` runs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.answer import QuestionError
from bot.api.ratelimit import ConversationRateLimiter
from bot.api.routes import chat, conversations, feedback, health, search, sources
from bot.config import Settings, get_settings
from bot.logs import configure_logging
from bot.services import (
    make_retriever,
    open_knowledge_base,
    wire_services,
)
from bot.slack import make_slack, slack_status
from bot.staff.routes import staff_router
from bot.store import NotFoundError, Store
from bot.web import routes as web
from retrieval import IndexNotBuiltError, KnowledgeBaseError

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
        yield
        store.close()
        kb.close()

    app = FastAPI(
        title="Dual-Use Desk",
        description="Cited answers for startups entering Japan's defense market.",
        version="0.1.0",
        lifespan=lifespan,
    )
    for router in (
        health.router,
        search.router,
        chat.router,
        conversations.router,
        feedback.router,
        staff_router(settings),
        sources.router,
        web.router,
    ):
        app.include_router(router)
    if slack:
        app.include_router(slack.router)

    @app.exception_handler(QuestionError)
    async def _bad_question(request: Request, exc: QuestionError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(IndexNotBuiltError)
    async def _not_built(request: Request, exc: IndexNotBuiltError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    @app.exception_handler(KnowledgeBaseError)
    async def _kb_error(request: Request, exc: KnowledgeBaseError) -> JSONResponse:
        log.error("knowledge base error on %s: %s", request.url.path, exc)
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    return app

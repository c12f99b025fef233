"""The FastAPI application `dualuse serve` runs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.api.routes import health, search
from bot.config import Settings, get_settings
from bot.services import make_retriever, open_knowledge_base
from retrieval import IndexNotBuiltError, KnowledgeBaseError

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kb = open_knowledge_base(settings)
        app.state.kb = kb
        app.state.retriever = make_retriever(settings, kb)
        yield
        kb.close()

    app = FastAPI(
        title="Dual-Use Desk",
        description="Cited answers for startups entering Japan's defense market.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(search.router)

    @app.exception_handler(IndexNotBuiltError)
    async def _not_built(request: Request, exc: IndexNotBuiltError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    @app.exception_handler(KnowledgeBaseError)
    async def _kb_error(request: Request, exc: KnowledgeBaseError) -> JSONResponse:
        log.error("knowledge base error on %s: %s", request.url.path, exc)
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    return app

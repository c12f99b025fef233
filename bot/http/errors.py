"""Errors as the API's clients see them: one shape for every refusal (``{"detail": "…"}``, and
for 422 the validation list), never a server path, never more than a short excerpt of what
was sent (a 50 MB message is not echoed back; a lone surrogate cannot break the reply)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bot.answer import QuestionError
from bot.store import NotFoundError
from retrieval import IndexNotBuiltError, KnowledgeBaseError

log = logging.getLogger(__name__)

EXCERPT_CHARS = 80
UNAVAILABLE = (
    "The knowledge base is unavailable right now; the operator has the details in the "
    "server log. Please try again later."
)
NOT_BUILT = "The knowledge base has not been built yet: the operator must run `dualuse ingest`."


def safe_text(text: str) -> str:
    """Text that can always be encoded (a lone surrogate becomes '?')."""
    return text.encode("utf-8", "replace").decode("utf-8")


def excerpt(value: Any) -> Any:
    """What of the client's input an error may repeat: a short, encodable piece."""
    if isinstance(value, str):
        cut = value[:EXCERPT_CHARS] + ("…" if len(value) > EXCERPT_CHARS else "")
        return safe_text(cut)
    if isinstance(value, bool | int | float) or value is None:
        return value
    return None


def validation_detail(message: str, loc: Sequence[str | int] = ("body",)) -> list[dict[str, Any]]:
    """A refusal of the request's content, in the same shape as FastAPI's validation errors
    (``ValidationErrorOut``: no excerpt of the input here)."""
    return [{"loc": list(loc), "msg": safe_text(message), "type": "value_error", "input": None}]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {
                "loc": [
                    safe_text(str(part)) if isinstance(part, str) else part for part in e["loc"]
                ],
                "msg": safe_text(str(e["msg"])),
                "type": str(e["type"]),
                "input": excerpt(e.get("input")),
            }
            for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(QuestionError)
    async def _bad_question(request: Request, exc: QuestionError) -> JSONResponse:
        detail = validation_detail(str(exc), ("body", "message"))
        return JSONResponse(status_code=422, content={"detail": detail})

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": safe_text(str(exc))})

    @app.exception_handler(IndexNotBuiltError)
    async def _not_built(request: Request, exc: IndexNotBuiltError) -> JSONResponse:
        log.error("no index on %s: %s", request.url.path, exc)
        return JSONResponse(status_code=503, content={"detail": NOT_BUILT})

    @app.exception_handler(KnowledgeBaseError)
    async def _kb_error(request: Request, exc: KnowledgeBaseError) -> JSONResponse:
        log.error("knowledge base error on %s: %s", request.url.path, exc)
        return JSONResponse(status_code=503, content={"detail": UNAVAILABLE})

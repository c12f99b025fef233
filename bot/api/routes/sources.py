"""The document view citations link to: /sources/{doc_id}#anchor, with the cited section
highlighted. A staff-only document is "not found" here, exactly like a missing one: a page
saying so for a browser, the JSON error for any other client."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response

from bot.http.contract import refusals
from bot.http.deps import RetrieverDep
from bot.http.document_page import render_document, render_not_found
from retrieval import DocumentNotFoundError

router = APIRouter(tags=["sources"])
NOT_FOUND = "No such document (or one only staff may read)."


def _with_html_404(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """The 404 is also a page, for browsers."""
    responses[404]["content"] = {"text/html": {"schema": {"type": "string"}}}
    return responses


@router.get(
    "/sources/{doc_id}",
    # The page is HTML and its refusals JSON: the base class names no media type, so each
    # response below documents its own.
    response_class=Response,
    responses={
        200: {
            "description": "The document as a page.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        **_with_html_404(refusals(404, 422, 503, notes={404: NOT_FOUND})),
    },
)
def source(doc_id: str, request: Request, retriever: RetrieverDep) -> HTMLResponse:
    try:
        meta, body = retriever.document(doc_id, audience="startup")
    except DocumentNotFoundError as exc:
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(render_not_found(), status.HTTP_404_NOT_FOUND)
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return HTMLResponse(render_document(meta, body))

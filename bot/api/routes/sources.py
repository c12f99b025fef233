"""The document view citations link to: /sources/{doc_id}#anchor, with the cited section
highlighted. A staff-only document is "not found" here, exactly like a missing one."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import HTMLResponse, Response

from bot.http.contract import refusals
from bot.http.deps import RetrieverDep
from bot.http.document_page import render_document
from retrieval import DocumentNotFoundError

router = APIRouter(tags=["sources"])


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
        **refusals(404, 422, 503, notes={404: "No such document (or one only staff may read)."}),
    },
)
def source(doc_id: str, retriever: RetrieverDep) -> HTMLResponse:
    try:
        meta, body = retriever.document(doc_id, audience="startup")
    except DocumentNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return HTMLResponse(render_document(meta, body))

"""Thumbs up / down under an answer; repeated thumbs-down hands the conversation to staff."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from bot.api.schemas import FeedbackRequest, FeedbackResponse
from bot.http.contract import refusals
from bot.http.deps import LimiterDep, StoreDep, client_address
from bot.store import NotFoundError

router = APIRouter(prefix="/api/feedback", tags=["feedback"])


@router.post(
    "",
    response_model=FeedbackResponse,
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        400, 404, 413, 422, 429, notes={404: "No such conversation, or no such answer in it."}
    ),
)
def feedback(
    body: FeedbackRequest, request: Request, store: StoreDep, limiter: LimiterDep
) -> FeedbackResponse:
    """One rating per answer: rating it again changes it."""
    limiter.check(body.conversation_id, client_address(request), action="feedback")
    try:
        saved = store.add_feedback(body.conversation_id, body.message_id, body.rating, body.comment)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return FeedbackResponse(id=saved.id)

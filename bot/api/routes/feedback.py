"""Thumbs up / down under an answer; repeated thumbs-down hands the conversation to staff."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from bot.api.deps import StoreDep
from bot.api.schemas import FeedbackRequest, FeedbackResponse
from bot.store import NotFoundError

router = APIRouter(prefix="/api/feedback", tags=["feedback"])


@router.post("", response_model=FeedbackResponse, status_code=status.HTTP_201_CREATED)
def feedback(body: FeedbackRequest, store: StoreDep) -> FeedbackResponse:
    try:
        saved = store.add_feedback(body.conversation_id, body.message_id, body.rating, body.comment)
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return FeedbackResponse(id=saved.id)

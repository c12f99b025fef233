"""Request and response bodies of the JSON API (validated; documented in /openapi.json)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.answer import Answer
from bot.http.contract import MAX_ID, NonBlankText, PlainText

MAX_MESSAGE_CHARS = 4000


class ChatRequest(BaseModel):
    message: NonBlankText = Field(
        min_length=1, max_length=MAX_MESSAGE_CHARS, description="The question."
    )
    conversation_id: PlainText | None = Field(
        None, max_length=64, description="Continue this conversation; null starts a new one."
    )


class CitationOut(BaseModel):
    n: int
    doc_id: str
    title: str
    section: str
    url: str


class ChatResponse(BaseModel):
    """The object `dualuse ask --json` prints, plus the conversation to continue."""

    answer: str
    citations: list[CitationOut]
    escalated: bool
    ticket_id: str | None
    confidence: float
    lang: Literal["en", "ja"]
    conversation_id: str

    @classmethod
    def of(cls, answer: Answer) -> ChatResponse:
        assert answer.conversation_id is not None
        return cls.model_validate(
            {**answer.public_dict(), "conversation_id": answer.conversation_id}
        )


class FeedbackRequest(BaseModel):
    conversation_id: PlainText = Field(max_length=64)
    message_id: int | None = Field(None, ge=1, le=MAX_ID)
    rating: Literal[1, -1]
    comment: PlainText | None = Field(None, max_length=2000)


class FeedbackResponse(BaseModel):
    id: int


class EscalateRequest(BaseModel):
    note: PlainText | None = Field(
        None, max_length=2000, description="What the user wants from staff."
    )


class TicketCreated(BaseModel):
    ticket_id: str
    state: str


class MessageOut(BaseModel):
    id: int
    role: Literal["user", "assistant", "staff"]
    content: str
    citations: list[dict[str, Any]]
    created_at: dt.datetime

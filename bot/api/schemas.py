"""Request and response bodies of the JSON API (validated; documented in /openapi.json)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from bot.answer import Answer

MAX_MESSAGE_CHARS = 4000


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="The question.")
    conversation_id: str | None = Field(
        None, max_length=64, description="Continue this conversation; null starts a new one."
    )

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the message is empty")
        return value


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
    conversation_id: str = Field(max_length=64)
    message_id: int | None = None
    rating: Literal[1, -1]
    comment: str | None = Field(None, max_length=2000)


class FeedbackResponse(BaseModel):
    id: int


class EscalateRequest(BaseModel):
    note: str | None = Field(None, max_length=2000, description="What the user wants from staff.")


class TicketCreated(BaseModel):
    ticket_id: str
    state: str


class MessageOut(BaseModel):
    id: int
    role: Literal["user", "assistant", "staff"]
    content: str
    citations: list[dict[str, Any]]
    created_at: dt.datetime

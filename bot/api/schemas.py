"""Request and response bodies of the JSON API (validated; documented in /openapi.json)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

from bot.answer import Answer

MAX_MESSAGE_CHARS = 4000
#: Ids are 64-bit in PostgreSQL and SQLite: a larger number is a refusal, not an overflow.
MAX_ID = 2**63 - 1
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def storable(value: str) -> bool:
    """Text a person could have typed: no NUL or other control characters, no lone UTF-16
    surrogates (neither can be stored, and neither is ever meant)."""
    return _UNSTORABLE.search(value) is None


def _check_storable(value: str) -> str:
    if not storable(value):
        raise ValueError("the text contains control characters or invalid Unicode")
    return value


#: Every free text a client sends.
PlainText = Annotated[str, AfterValidator(_check_storable)]


class ChatRequest(BaseModel):
    message: PlainText = Field(
        min_length=1, max_length=MAX_MESSAGE_CHARS, description="The question."
    )
    conversation_id: PlainText | None = Field(
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

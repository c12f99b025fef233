"""Request and response bodies of the JSON API (validated; documented in /openapi.json)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from bot.answer import Answer

MAX_MESSAGE_CHARS = 4000
#: Ids are 64-bit in PostgreSQL and SQLite: a larger number is a refusal, not an overflow. The
#: bound is the largest integer a JSON number holds exactly in every client (JavaScript,
#: schema validators working in floating point), far beyond any id the store hands out.
MAX_ID = 2**53 - 1
_CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_UNSTORABLE = re.compile(f"[{_CONTROL_CHARS}\\ud800-\\udfff]")
#: What the schema documents for every free text (the validator below is what enforces it):
#: no control characters (lone surrogates are not Unicode text, so no pattern names them);
#: a non-blank text has at least one character that is not a space.
STORABLE_PATTERN = f"^[^{_CONTROL_CHARS}]*$"
NON_BLANK_PATTERN = f"^[^{_CONTROL_CHARS}]*[^\\s{_CONTROL_CHARS}][^{_CONTROL_CHARS}]*$"


def storable(value: str) -> bool:
    """Text a person could have typed: no NUL or other control characters, no lone UTF-16
    surrogates (neither can be stored, and neither is ever meant)."""
    return _UNSTORABLE.search(value) is None


def _check_storable(value: str) -> str:
    if not storable(value):
        raise ValueError("the text contains control characters or invalid Unicode")
    return value


class _Documented:
    """Adds a ``pattern`` to a string's JSON schema only (validation stays in Python, where
    the regular expression's dialect is not a question)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


#: Every free text a client sends.
PlainText = Annotated[str, AfterValidator(_check_storable), _Documented(STORABLE_PATTERN)]


def _check_not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("the text is empty (only spaces)")
    return value


#: Free text that must say something (not only spaces).
NonBlankText = Annotated[
    str,
    AfterValidator(_check_storable),
    AfterValidator(_check_not_blank),
    _Documented(NON_BLANK_PATTERN),
]


class ErrorOut(BaseModel):
    """Every refusal but a validation error: what went wrong, in a sentence."""

    detail: str


class ValidationIssue(BaseModel):
    loc: list[str | int] = Field(description='Where: ["body", "message"], ["query", "k"]...')
    msg: str
    type: str
    input: Any = Field(
        None, description="A short excerpt of the refused value (80 characters at most), or null."
    )


class ValidationErrorOut(BaseModel):
    """A request the API cannot take as sent (422; 413 for a body over the size limit): one
    entry per problem."""

    detail: list[ValidationIssue]


#: The refusals operations document, with their default descriptions.
REFUSALS: dict[int, tuple[type[BaseModel], str]] = {
    400: (ErrorOut, "The body is not JSON (or not UTF-8)."),
    401: (ErrorOut, "Not signed in to the staff console (POST /staff/login)."),
    403: (ErrorOut, "The session's CSRF token is missing from X-CSRF-Token or wrong."),
    404: (ErrorOut, "Not found."),
    409: (ErrorOut, "The ticket's state does not allow this action."),
    413: (ValidationErrorOut, "The request body is over the size limit."),
    422: (ValidationErrorOut, "The request is invalid."),
    429: (ErrorOut, "Too many requests: try again after Retry-After seconds."),
    503: (ErrorOut, "The knowledge base is unavailable or has not been built."),
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
        "required": True,
    }
}


def refusals(
    *statuses: int, notes: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of an operation that can refuse with these statuses; ``notes``
    replaces a status's default description with what it means for this operation."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        model, description = REFUSALS[status]
        responses[status] = {"model": model, "description": (notes or {}).get(status, description)}
        if status == 429:
            responses[status]["headers"] = RETRY_AFTER
    return responses


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

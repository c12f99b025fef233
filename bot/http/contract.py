"""The request/response contract every surface shares: the error models (one for refusals,
one for validation), which refusals a route documents, and the rules free text must meet."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

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

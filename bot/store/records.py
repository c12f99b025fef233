"""What the store hands out and takes in: plain frozen dataclasses, never ORM objects.

Callers (web app, Slack, staff console, evals) can keep, compare and serialise these after the
session that loaded them is gone, and cannot change the database by mutating them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

CHANNELS = ("web", "slack", "cli", "eval")
AUDIENCES = ("startup", "staff")
ROLES = ("user", "assistant", "staff")
TICKET_STATES = ("open", "claimed", "answered", "resolved")

# (from, to) pairs a ticket may take; everything else is refused.
TRANSITIONS = frozenset(
    {
        ("open", "claimed"),
        ("open", "answered"),
        ("claimed", "answered"),
        ("answered", "answered"),
        ("open", "resolved"),
        ("claimed", "resolved"),
        ("answered", "resolved"),
    }
)


class StoreError(Exception):
    """Base of the store's own errors (database failures surface as SQLAlchemy errors)."""


class NotFoundError(StoreError, LookupError):
    """A conversation, message or ticket that does not exist."""


class InvalidTransitionError(StoreError):
    """A ticket change its current state does not allow (e.g. claiming a resolved ticket)."""


class AlreadyExistsError(StoreError):
    """Something unique that exists already (e.g. a staff account with the same e-mail)."""


@dataclass(frozen=True)
class Conversation:
    id: str
    channel: str
    audience: str
    reply_to: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: str
    role: str
    content: str
    citations: list[dict[str, Any]]
    meta: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class TicketEvent:
    id: int
    ticket_id: int
    from_state: str | None
    to_state: str
    actor: str
    note: str | None
    created_at: datetime


@dataclass(frozen=True)
class Ticket:
    id: int
    ref: str
    conversation_id: str
    question: str
    reason: str
    reason_detail: str
    retrieved: list[dict[str, Any]]
    channel: str
    reply_to: dict[str, Any] | None
    lang: str
    state: str
    assignee: str | None
    answer: str | None
    created_at: datetime
    updated_at: datetime
    events: list[TicketEvent]


@dataclass(frozen=True)
class Feedback:
    id: int
    conversation_id: str
    message_id: int | None
    rating: int
    comment: str | None
    created_at: datetime


@dataclass(frozen=True)
class SecurityEvent:
    kind: str
    subject: str
    client: str
    detail: str
    created_at: datetime


@dataclass(frozen=True)
class NewTicket:
    """A question for institute staff. ``channel``/``reply_to`` default to the conversation's."""

    question: str
    reason: str
    reason_detail: str = ""
    retrieved: list[dict[str, Any]] = field(default_factory=list)
    lang: str = "en"
    channel: str | None = None
    reply_to: dict[str, Any] | None = None


@dataclass(frozen=True)
class StaffMember:
    """An institute staff account; ``password_hash`` is never the password itself."""

    id: int
    email: str
    password_hash: str
    created_at: datetime


@dataclass(frozen=True)
class StaffSession:
    """A signed-in staff member: the row behind a console cookie (only its hash is stored)."""

    id: int
    staff_id: int
    email: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Activity:
    """What the staff overview counts, from ``since`` on: questions asked (per UTC day),
    tickets opened, and thumbs up and down."""

    since: datetime
    questions_per_day: dict[date, int]
    questions: int
    escalated: int
    thumbs_up: int
    thumbs_down: int


@dataclass(frozen=True)
class Ratings:
    """Ratings from ``since`` on: answers rated helpful and unhelpful (one rating per message,
    its latest), and conversation-level ratings (no message; Slack's buttons give these)."""

    since: datetime
    helpful: int
    unhelpful: int
    conversation_up: int
    conversation_down: int


@dataclass(frozen=True)
class FeedbackComment:
    """A rating (for the overview: a thumbs-down with a comment) and what it refers to: the
    rated answer and the question before it (both None for a conversation-level rating), and
    the conversation's newest ticket, if it has one."""

    feedback_id: int
    conversation_id: str
    message_id: int | None
    rating: int
    comment: str | None
    created_at: datetime
    question: str | None
    answer: str | None
    ticket_ref: str | None


def normalise_email(email: str) -> str:
    """Staff e-mails compare case-insensitively: stored trimmed and lower-cased."""
    return email.strip().lower()


def ticket_ref(ticket_id: int) -> str:
    """``DUD-0001``: derived from the id, zero-padded to at least four digits."""
    return f"DUD-{ticket_id:04d}"

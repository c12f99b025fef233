"""What the answer engine returns, in the shape every channel renders."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Lang = Literal["en", "ja"]


class QuestionError(ValueError):
    """The question cannot be answered as asked (empty, too long); the message says why."""


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    section: str
    url: str


@dataclass(frozen=True)
class Answer:
    answer: str
    citations: list[Citation]
    escalated: bool
    ticket_id: str | None
    confidence: float
    lang: Lang
    conversation_id: str | None = None
    reason: str | None = None
    retrieved: list[dict[str, Any]] = field(default_factory=list)
    #: Not a question for this desk (off-topic, no content, a greeting): a short reply saying
    #: what the desk helps with, no sources and no ticket.
    declined: bool = False
    #: The stored assistant message (feedback refers to it).
    message_id: int | None = None

    def public_dict(self) -> dict[str, Any]:
        """The object `dualuse ask --json` prints and the API returns."""
        return {
            "answer": self.answer,
            "citations": [asdict(c) for c in self.citations],
            "escalated": self.escalated,
            "ticket_id": self.ticket_id,
            "confidence": round(self.confidence, 3),
            "lang": self.lang,
            "declined": self.declined,
        }

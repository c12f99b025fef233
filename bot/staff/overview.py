"""The overview: questions per day, answered without escalation vs escalated, how answers
were rated, thumbs-down comments, and what the assistant could not answer grouped by topic (so
staff see which documents are missing)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from bot.escalation.policy import LOW_CONFIDENCE
from bot.store import Store, Ticket
from bot.store.records import FeedbackComment, SecurityEvent

WINDOW_DAYS = 14
MAX_TICKETS = 2000
MAX_COMMENTS = 50
NOTHING_RETRIEVED = "(nothing relevant retrieved)"
GROUPING = (
    "Tickets opened because the assistant's confidence was too low, grouped by the document "
    "that ranked first for the question: the assistant found that document but it did not "
    "answer the question, so that topic is where a document (or a section) is missing. "
    "Tickets already promoted to an FAQ are left out."
)


@dataclass(frozen=True)
class Topic:
    title: str
    doc_id: str | None
    tickets: list[Ticket]


@dataclass(frozen=True)
class Overview:
    first_day: date
    last_day: date
    days: list[tuple[date, int]]
    questions: int
    #: Questions that did not become a ticket: answered, rightly or wrongly.
    answered: int
    escalated: int
    #: Every thumbs up and down, on answers and on whole conversations.
    thumbs_up: int
    thumbs_down: int
    unanswered: list[Topic]
    security_events: list[SecurityEvent]
    #: Answers whose (one, current) rating is helpful / unhelpful.
    helpful: int = 0
    unhelpful: int = 0
    #: Ratings of a whole conversation (no message: Slack's buttons).
    conversation_up: int = 0
    conversation_down: int = 0
    comments: list[FeedbackComment] = field(default_factory=list)


def build_overview(store: Store, today: date | None = None, days: int = WINDOW_DAYS) -> Overview:
    last = today or datetime.now(UTC).date()
    first = last - timedelta(days=days - 1)
    since = datetime.combine(first, time(), tzinfo=UTC)
    activity = store.activity(since)
    per_day = [
        (first + timedelta(days=n), activity.questions_per_day.get(first + timedelta(days=n), 0))
        for n in range(days)
    ]
    ratings = store.ratings(since)
    return Overview(
        first_day=first,
        last_day=last,
        days=per_day,
        questions=activity.questions,
        answered=max(activity.questions - activity.escalated, 0),
        escalated=activity.escalated,
        thumbs_up=activity.thumbs_up,
        thumbs_down=activity.thumbs_down,
        unanswered=_topics(
            t
            for t in store.tickets(limit=MAX_TICKETS)
            if t.reason == LOW_CONFIDENCE and t.created_at >= since and not _promoted(t)
        ),
        security_events=store.security_events(since),
        helpful=ratings.helpful,
        unhelpful=ratings.unhelpful,
        conversation_up=ratings.conversation_up,
        conversation_down=ratings.conversation_down,
        comments=store.negative_comments(since, MAX_COMMENTS),
    )


def _promoted(ticket: Ticket) -> bool:
    return any((e.note or "").startswith("promoted to FAQ") for e in ticket.events)


def _topics(tickets: Iterable[Ticket]) -> list[Topic]:
    groups: dict[str | None, list[Ticket]] = defaultdict(list)
    titles: dict[str | None, str] = {None: NOTHING_RETRIEVED}
    for ticket in tickets:
        top = ticket.retrieved[0] if ticket.retrieved else None
        key = str(top["doc_id"]) if top and top.get("doc_id") else None
        if key is not None and top is not None:
            titles.setdefault(key, str(top.get("title") or key))
        groups[key].append(ticket)
    topics = [Topic(titles[key], key, items) for key, items in groups.items()]
    return sorted(topics, key=lambda topic: (-len(topic.tickets), topic.title))

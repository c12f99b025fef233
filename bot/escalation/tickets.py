"""The ticket service staff use (CLI, staff console, Slack): claim, reply (delivered into the
user's conversation through the channel's delivery), resolve, promote. Observers hear about
every change, wherever it was made (the Slack card follows a claim made in the web console)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.escalation.delivery import Delivery
from bot.escalation.faq import FaqPromoter
from bot.store import Message, Store, Ticket

log = logging.getLogger(__name__)


class TicketObserver(Protocol):
    def ticket_changed(self, ticket: Ticket) -> None: ...


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

    def _changed(self, ticket: Ticket) -> None:
        """Tell the observers; one failing (Slack down) never undoes or blocks the change."""
        for observer in self._observers:
            try:
                observer.ticket_changed(ticket)
            except Exception:
                log.exception("ticket observer %r failed on %s", observer, ticket.ref)

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
        doc_id = self._faq.promote(ref, question or ticket.question, final_answer, ticket.lang)
        self._store.add_event(ref, actor, f"promoted to FAQ {doc_id}")
        self._changed(self._store.ticket(ref))
        return doc_id

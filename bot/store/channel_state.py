"""What a channel must remember across workers: which conversation a Slack thread continues,
where each ticket's staff card was posted, and which incoming events were handled already.

It lives in the store's database, so every worker and every machine sees the same state, and
unique keys (not a lock in one process) make "handle this event once" hold across all of them.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.schema import HandledEventRow, SlackCardRow, SlackThreadRow, TicketRow, utcnow

#: How long a handled event is remembered: Slack retries within minutes, never days later.
EVENT_MEMORY = timedelta(days=2)
PURGE_EVERY = timedelta(hours=1)


class ChannelState:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._purged = utcnow() - EVENT_MEMORY

    # -- handled events -----------------------------------------------------------------------

    def first_time(self, key: str) -> bool:
        """True for the one caller, on any worker, that handles ``key``; False for every
        retry or duplicate delivery after it."""
        if not key or len(key) > 200:
            raise ValueError("an event key has 1 to 200 characters")
        now = utcnow()
        try:
            with self._sessions.begin() as session:
                session.add(HandledEventRow(key=key, created_at=now))
        except IntegrityError:
            return False
        if now - self._purged > PURGE_EVERY:  # forget what no retry will ask about again
            self._purged = now
            with self._sessions.begin() as session:
                session.execute(
                    delete(HandledEventRow).where(HandledEventRow.created_at < now - EVENT_MEMORY)
                )
        return True

    # -- Slack threads ------------------------------------------------------------------------

    def thread_conversation(self, channel: str, thread_ts: str) -> str | None:
        with self._sessions() as session:
            row = session.get(SlackThreadRow, (channel, thread_ts))
            return row.conversation_id if row is not None else None

    def bind_thread(self, channel: str, thread_ts: str, conversation_id: str) -> str:
        """Tie the thread to a conversation unless it is tied already; returns the
        conversation the thread continues (the first one bound wins, on any worker)."""
        try:
            return self._bind_thread(channel, thread_ts, conversation_id)
        except IntegrityError:  # another worker inserted the same thread meanwhile
            return self._bind_thread(channel, thread_ts, conversation_id)

    def _bind_thread(self, channel: str, thread_ts: str, conversation_id: str) -> str:
        with self._sessions.begin() as session:
            row = session.get(SlackThreadRow, (channel, thread_ts))
            if row is None:
                row = SlackThreadRow(
                    channel=channel,
                    thread_ts=thread_ts,
                    conversation_id=conversation_id,
                    assistant=False,
                    created_at=utcnow(),
                )
                session.add(row)
            elif row.conversation_id is None:
                row.conversation_id = conversation_id
            bound = row.conversation_id or conversation_id
        return bound

    def mark_assistant_thread(self, channel: str, thread_ts: str) -> None:
        """Slack opened this thread in the assistant surface."""
        try:
            with self._sessions.begin() as session:
                row = session.get(SlackThreadRow, (channel, thread_ts))
                if row is None:
                    session.add(
                        SlackThreadRow(
                            channel=channel,
                            thread_ts=thread_ts,
                            assistant=True,
                            created_at=utcnow(),
                        )
                    )
                else:
                    row.assistant = True
        except IntegrityError:  # another worker recorded the same thread at the same moment
            self.mark_assistant_thread(channel, thread_ts)

    def is_assistant_thread(self, channel: str, thread_ts: str) -> bool:
        with self._sessions() as session:
            row = session.get(SlackThreadRow, (channel, thread_ts))
            return row is not None and row.assistant

    # -- staff cards --------------------------------------------------------------------------

    def card(self, ticket_ref: str) -> tuple[str, str] | None:
        stmt = (
            select(SlackCardRow.channel, SlackCardRow.ts)
            .join(TicketRow, TicketRow.id == SlackCardRow.ticket_id)
            .where(TicketRow.ref == ticket_ref.strip().upper())
        )
        with self._sessions() as session:
            found = session.execute(stmt).first()
            return (found[0], found[1]) if found is not None else None

    def set_card(self, ticket_ref: str, channel: str, ts: str) -> None:
        with self._sessions.begin() as session:
            ticket_id = session.scalar(
                select(TicketRow.id).where(TicketRow.ref == ticket_ref.strip().upper())
            )
            if ticket_id is None:
                return
            row = session.get(SlackCardRow, ticket_id)
            if row is None:
                session.add(SlackCardRow(ticket_id=ticket_id, channel=channel, ts=ts))
            else:
                row.channel, row.ts = channel, ts

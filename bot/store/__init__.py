"""The store: conversations, messages, tickets (with their history) and feedback.

SQLite by default (``<data_dir>/dualuse.sqlite3``), PostgreSQL via ``DUALUSE_DATABASE_URL``.
The schema is migrated (Alembic) whenever a store opens. Callers get frozen dataclasses::

    store = Store.for_settings(settings)
    conv = store.conversation(None, channel="web", reply_to={"kind": "web", "session": sid})
    user, answer, ticket = store.record_turn(conv.id, question, text, citations, meta)
"""

from bot.store.records import (
    AUDIENCES,
    CHANNELS,
    ROLES,
    TICKET_STATES,
    TRANSITIONS,
    Conversation,
    Feedback,
    InvalidTransitionError,
    Message,
    NewTicket,
    NotFoundError,
    StoreError,
    Ticket,
    TicketEvent,
)
from bot.store.store import Store

__all__ = [
    "AUDIENCES",
    "CHANNELS",
    "ROLES",
    "TICKET_STATES",
    "TRANSITIONS",
    "Conversation",
    "Feedback",
    "InvalidTransitionError",
    "Message",
    "NewTicket",
    "NotFoundError",
    "Store",
    "StoreError",
    "Ticket",
    "TicketEvent",
]

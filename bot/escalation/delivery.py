"""How a staff reply reaches the user: each channel implements :class:`Delivery`.

The store already holds the reply in the user's conversation; a channel that pushes messages
(Slack) posts it, a channel that the user polls or streams from (web, CLI) needs nothing more.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.store import Message, Ticket

log = logging.getLogger(__name__)


class Delivery(Protocol):
    def deliver(self, ticket: Ticket, message: Message) -> None: ...


class ConversationDelivery:
    """Web and CLI: the reply is in the conversation, where the user's client picks it up."""

    def deliver(self, ticket: Ticket, message: Message) -> None:
        log.info(
            "staff reply %s on ticket %s is in conversation %s",
            message.id,
            ticket.ref,
            ticket.conversation_id,
        )

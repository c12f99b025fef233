"""Staff replies reach the user in the Slack thread the question came from."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.slack.blocks import staff_reply_blocks
from bot.store import Message, Ticket

log = logging.getLogger(__name__)


class SlackDelivery:
    """:class:`bot.escalation.delivery.Delivery` for tickets whose channel is ``slack``."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def deliver(self, ticket: Ticket, message: Message) -> None:
        target = ticket.reply_to or {}
        channel, thread_ts = target.get("channel"), target.get("thread_ts")
        if target.get("kind") != "slack" or not channel:
            log.warning("ticket %s has no Slack thread to reply in: %r", ticket.ref, target)
            return
        self._client.chat_postMessage(
            channel=str(channel),
            thread_ts=str(thread_ts) if thread_ts else None,
            text=f"From institute staff ({ticket.ref}): {message.content}",
            blocks=staff_reply_blocks(ticket, message),
        )

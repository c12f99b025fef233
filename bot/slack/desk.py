"""What the Slack listeners do: answer a question in its thread, post and update the staff
escalation card. The services (answer engine, tickets, store) are attached once they exist
(the FastAPI lifespan or `dualuse slack --socket`)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answer import AnswerEngine, QuestionError
from bot.config import Settings
from bot.escalation.tickets import TicketService
from bot.slack.blocks import PLACEHOLDER, answer_blocks, card_text, escalation_card
from bot.slack.threads import SeenMessages, ThreadMap
from bot.store import Store, Ticket

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+>")


@dataclass(frozen=True)
class Services:
    engine: AnswerEngine
    tickets: TicketService
    store: Store


class SlackDesk:
    def __init__(self, settings: Settings, client: WebClient) -> None:
        self.settings = settings
        self.client = client
        self.threads = ThreadMap(settings.data_dir / "slack_threads.json")
        self.seen = SeenMessages()
        self._services: Services | None = None

    def attach(self, engine: AnswerEngine, tickets: TicketService, store: Store) -> None:
        self._services = Services(engine, tickets, store)

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the Slack desk has no services attached yet")
        return self._services

    def is_staff(self, user_id: str) -> bool:
        return user_id in self.settings.slack_staff_user_ids

    # -- questions --------------------------------------------------------------------------

    def answer(self, channel: str, thread_ts: str, message_ts: str, text: str) -> None:
        """Placeholder at once, then the answer (or a plain "cannot answer") in its place."""
        if not self.seen.first_time(f"{channel}:{message_ts}"):
            log.info("Slack message %s:%s was handled already", channel, message_ts)
            return
        question = _MENTION.sub("", text).strip()
        if not question:
            return
        placeholder = self.client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=PLACEHOLDER
        )
        placeholder_ts = str(placeholder["ts"])
        services = self.services
        try:
            answer = services.engine.ask(
                question,
                conversation_id=self.threads.get(channel, thread_ts),
                audience="startup",
                channel="slack",
                reply_to={"kind": "slack", "channel": channel, "thread_ts": thread_ts},
            )
        except QuestionError as exc:
            self.client.chat_update(channel=channel, ts=placeholder_ts, text=str(exc))
            return
        except Exception:
            log.exception("answering a Slack question failed")
            self.client.chat_update(
                channel=channel,
                ts=placeholder_ts,
                text="Sorry, something went wrong while looking that up. Please try again.",
            )
            return
        conversation_id = answer.conversation_id or ""
        self.threads.set(channel, thread_ts, conversation_id)
        self.client.chat_update(
            channel=channel,
            ts=placeholder_ts,
            text=answer.answer[:3000],
            blocks=answer_blocks(answer, conversation_id, self.settings.public_url),
        )
        if answer.ticket_id:
            self.post_card(services.store.ticket(answer.ticket_id))

    def is_followup(self, channel: str, thread_ts: str | None) -> bool:
        return thread_ts is not None and self.threads.get(channel, thread_ts) is not None

    # -- staff cards ------------------------------------------------------------------------

    def post_card(self, ticket: Ticket) -> None:
        channel = self.settings.slack_staff_channel
        if not channel:
            log.info("no DUALUSE_SLACK_STAFF_CHANNEL: ticket %s has no Slack card", ticket.ref)
            return
        try:
            self.client.chat_postMessage(
                channel=channel, text=card_text(ticket), blocks=self._card(ticket)
            )
        except SlackApiError as exc:
            log.error("posting the card for %s failed: %s", ticket.ref, exc)

    def update_card(self, ticket: Ticket, channel: str, ts: str) -> None:
        self.client.chat_update(
            channel=channel, ts=ts, text=card_text(ticket), blocks=self._card(ticket)
        )

    def _card(self, ticket: Ticket) -> list[dict[str, object]]:
        transcript = self.services.store.messages(ticket.conversation_id, limit=6)
        return escalation_card(ticket, transcript, self.settings.public_url)

    def refuse(self, channel: str, user: str, text: str) -> None:
        self.client.chat_postEphemeral(channel=channel, user=user, text=text)

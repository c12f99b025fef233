"""What the Slack listeners do: answer a question in its thread, post and update the staff
escalation card. The desk is built with the services it uses (answer engine, tickets,
store) by the composition root, ``bot/wiring.py``.

What must be remembered (which conversation a thread continues, where a ticket's card is,
which messages were answered) lives in the store, so every worker sees the same."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answer import AnswerEngine, QuestionError
from bot.config import Settings
from bot.escalation.tickets import TicketService
from bot.slack.blocks import PLACEHOLDER, Block, answer_blocks, card_text, escalation_card
from bot.store import Store, Ticket
from bot.store.channel_state import ChannelState
from retrieval.filters import Audience

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+>")


@dataclass(frozen=True)
class Services:
    engine: AnswerEngine
    tickets: TicketService
    store: Store


class SlackDesk:
    def __init__(self, settings: Settings, client: WebClient, services: Services) -> None:
        self.settings = settings
        self.client = client
        self.services = services

    @property
    def state(self) -> ChannelState:
        return self.services.store.channel_state

    def is_staff(self, user_id: str) -> bool:
        return user_id in self.settings.slack_staff_user_ids

    def audience(self, channel: str, user: str | None) -> Audience:
        """Staff asking in the staff channel may be answered from staff-only documents;
        everyone else, everywhere else (DMs, public channels, assistant threads) is a startup."""
        staff_channel = self.settings.slack_staff_channel
        if staff_channel and channel == staff_channel and user and self.is_staff(user):
            return "staff"
        return "startup"

    # -- questions --------------------------------------------------------------------------

    def answer(
        self,
        channel: str,
        thread_ts: str,
        message_ts: str,
        text: str,
        user: str | None = None,
        placeholder: bool = True,
    ) -> None:
        """Placeholder at once, then the answer (or a plain "cannot answer") in its place.
        Without ``placeholder`` (the assistant surface shows a status instead) the answer is
        posted once it is ready."""
        if not self.state.first_time(f"slack:{channel}:{message_ts}"):
            log.info("Slack message %s:%s was handled already", channel, message_ts)
            return
        question = _MENTION.sub("", text).strip()
        if not question:
            return
        placeholder_ts: str | None = None
        if placeholder:
            posted = self.client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=PLACEHOLDER
            )
            placeholder_ts = str(posted["ts"])

        def show(text: str, blocks: list[Block] | None = None) -> None:
            if placeholder_ts is None:
                self.client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, text=text, blocks=blocks
                )
            else:
                self.client.chat_update(
                    channel=channel, ts=placeholder_ts, text=text, blocks=blocks
                )

        services = self.services
        try:
            answer = services.engine.ask(
                question,
                conversation_id=self.state.thread_conversation(channel, thread_ts),
                audience=self.audience(channel, user),
                channel="slack",
                reply_to={"kind": "slack", "channel": channel, "thread_ts": thread_ts},
            )
        except QuestionError as exc:
            show(str(exc))
            return
        except Exception:
            log.exception("answering a Slack question failed")
            show("Sorry, something went wrong while looking that up. Please try again.")
            return
        conversation_id = answer.conversation_id or ""
        self.state.bind_thread(channel, thread_ts, conversation_id)
        show(answer.answer[:3000], answer_blocks(answer, conversation_id, self.settings.public_url))

    def is_followup(self, channel: str, thread_ts: str | None) -> bool:
        return (
            thread_ts is not None and self.state.thread_conversation(channel, thread_ts) is not None
        )

    def mark_assistant_thread(self, channel: str, thread_ts: str) -> None:
        self.state.mark_assistant_thread(channel, thread_ts)

    def is_assistant_thread(self, channel: str, thread_ts: str) -> bool:
        return self.state.is_assistant_thread(channel, thread_ts)

    # -- staff cards ------------------------------------------------------------------------

    def ticket_opened(self, ticket: Ticket) -> None:
        """:class:`bot.escalation.tickets.TicketObserver`: every ticket, opened on any channel
        (an escalated answer, a button in Slack or the web chat, the CLI), gets a staff card."""
        self.post_card(ticket)

    def post_card(self, ticket: Ticket) -> None:
        channel = self.settings.slack_staff_channel
        if not channel:
            log.info("no DUALUSE_SLACK_STAFF_CHANNEL: ticket %s has no Slack card", ticket.ref)
            return
        try:
            posted = self.client.chat_postMessage(
                channel=channel, text=card_text(ticket), blocks=self._card(ticket)
            )
        except SlackApiError as exc:
            log.error("posting the card for %s failed: %s", ticket.ref, exc)
            return
        self.state.set_card(ticket.ref, str(posted["channel"] or channel), str(posted["ts"]))

    def update_card(self, ticket: Ticket, channel: str, ts: str) -> None:
        self.client.chat_update(
            channel=channel, ts=ts, text=card_text(ticket), blocks=self._card(ticket)
        )

    def remember_card(self, ref: str, channel: str, ts: str) -> None:
        """A button was pressed on this card: it is the ticket's card (even one posted before
        cards were remembered)."""
        if channel and ts:
            self.state.set_card(ref, channel, ts)

    def ticket_changed(self, ticket: Ticket) -> None:
        """:class:`bot.escalation.tickets.TicketObserver`: claim, reply, resolve or promote,
        made in Slack, the staff console or the CLI, shows on the ticket's card."""
        where = self.state.card(ticket.ref)
        if where is None:
            log.debug("ticket %s has no Slack card to update", ticket.ref)
            return
        try:
            self.update_card(ticket, *where)
        except SlackApiError as exc:
            log.error("updating the card for %s failed: %s", ticket.ref, exc)

    def _card(self, ticket: Ticket) -> list[dict[str, object]]:
        transcript = self.services.store.messages(ticket.conversation_id, limit=6)
        return escalation_card(ticket, transcript, self.settings.public_url)

    def refuse(self, channel: str, user: str, text: str) -> None:
        self.client.chat_postEphemeral(channel=channel, user=user, text=text)

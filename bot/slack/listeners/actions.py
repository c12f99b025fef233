"""Buttons: 👍 / 👎 and "Ask institute staff" under an answer; Claim, Reply and Resolve on a
staff card (staff only: anyone else gets an ephemeral refusal)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.escalation.tickets import NothingToEscalateError
from bot.slack import blocks
from bot.slack.desk import SlackDesk
from bot.store import StoreError

log = logging.getLogger(__name__)

NOT_STAFF = "Only institute staff can handle escalations."


def _where(body: dict[str, Any]) -> tuple[str, str, str]:
    """(channel, message ts, user) of the message whose button was pressed."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts", "")
    return str(channel), str(ts), str(body["user"]["id"])


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0]["value"])


def register(app: App, desk: SlackDesk) -> None:
    def feedback(rating: int, body: dict[str, Any]) -> None:
        channel, _, user = _where(body)
        try:
            desk.services.store.add_feedback(_value(body), None, rating)
        except StoreError as exc:
            log.warning("feedback from Slack refused: %s", exc)
            return
        desk.refuse(channel, user, "Thanks for the feedback.")

    @app.action(blocks.FEEDBACK_UP)
    def thumbs_up(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        feedback(1, body)

    @app.action(blocks.FEEDBACK_DOWN)
    def thumbs_down(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        feedback(-1, body)

    @app.action(blocks.ASK_STAFF)
    def ask_staff(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        channel, ts, _ = _where(body)
        try:
            ticket, opened = desk.services.tickets.escalate_on_request(
                _value(body), "The user pressed “Ask institute staff” in Slack."
            )
        except (StoreError, NothingToEscalateError) as exc:
            log.warning("escalation from Slack refused: %s", exc)
            return
        thread_ts = (body.get("message") or {}).get("thread_ts") or ts
        desk.client.chat_postMessage(
            channel=channel,
            thread_ts=str(thread_ts),
            text=(
                f"I've passed your question to institute staff ({ticket.ref}); "
                if opened
                else f"Your question is already with institute staff ({ticket.ref}); "
            )
            + "their answer will appear in this thread.",
        )

    def staff_only(body: dict[str, Any]) -> bool:
        channel, _, user = _where(body)
        if desk.is_staff(user):
            return True
        desk.refuse(channel, user, NOT_STAFF)
        return False

    def change_ticket(body: dict[str, Any], change: Callable[[str, str], object]) -> None:
        """Claim or resolve from a card button. The service tells its observers, the desk among
        them, so the card is updated."""
        if not staff_only(body):
            return
        channel, ts, user = _where(body)
        desk.remember_card(_value(body), channel, ts)
        try:
            change(_value(body), user)
        except StoreError as exc:
            desk.refuse(channel, user, str(exc))

    @app.action(blocks.CLAIM)
    def claim(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        change_ticket(body, desk.services.tickets.claim)

    @app.action(blocks.RESOLVE)
    def resolve(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        change_ticket(body, desk.services.tickets.resolve)

    @app.action(blocks.REPLY)
    def reply(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        if not staff_only(body):
            return
        channel, ts, _ = _where(body)
        desk.client.views_open(
            trigger_id=body["trigger_id"], view=blocks.reply_modal(_value(body), channel, ts)
        )

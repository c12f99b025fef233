"""The staff reply modal: its submission replies on the ticket (delivered to the user's
thread by :class:`bot.slack.delivery.SlackDelivery`); the card follows (the desk observes
the ticket service)."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App

from bot.slack import blocks
from bot.slack.desk import SlackDesk
from bot.store import StoreError

log = logging.getLogger(__name__)


def register(app: App, desk: SlackDesk) -> None:
    @app.view(blocks.REPLY_VIEW)
    def submit_reply(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str(body["user"]["id"])
        values = view["state"]["values"]
        text = str(values[blocks.REPLY_BLOCK][blocks.REPLY_INPUT].get("value") or "").strip()
        if not desk.is_staff(user):
            ack(response_action="errors", errors={blocks.REPLY_BLOCK: "Only institute staff."})
            return
        if not text:
            ack(response_action="errors", errors={blocks.REPLY_BLOCK: "Write a reply first."})
            return
        meta = json.loads(view.get("private_metadata") or "{}")
        if meta.get("ref") and meta.get("channel") and meta.get("ts"):
            desk.remember_card(str(meta["ref"]), str(meta["channel"]), str(meta["ts"]))
        try:
            # Delivered to the user's thread; the desk, an observer, updates the card.
            desk.services.tickets.reply(str(meta["ref"]), user, text)
        except (StoreError, ValueError, KeyError) as exc:
            ack(response_action="errors", errors={blocks.REPLY_BLOCK: str(exc)[:150]})
            return
        ack()

"""Direct messages, mentions and follow-ups in threads the desk answered in."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.desk import SlackDesk

# Edits, deletions, joins, bot posts…: only a person's new message is a question.
_QUESTION_SUBTYPES = {None, "file_share", "thread_broadcast"}


def _from_a_person(event: dict[str, Any]) -> bool:
    return (
        event.get("subtype") in _QUESTION_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and bool(event.get("text"))
    )


def register(app: App, desk: SlackDesk) -> None:
    @app.event("message")
    def on_message(event: dict[str, Any]) -> None:
        if not _from_a_person(event):
            return
        channel, ts = str(event["channel"]), str(event["ts"])
        thread_ts = event.get("thread_ts")
        if event.get("channel_type") == "im" or desk.is_followup(channel, thread_ts):
            desk.answer(channel, str(thread_ts or ts), ts, str(event["text"]), str(event["user"]))

    @app.event("app_mention")
    def on_mention(event: dict[str, Any]) -> None:
        if not _from_a_person(event):
            return
        ts = str(event["ts"])
        channel, thread = str(event["channel"]), str(event.get("thread_ts") or ts)
        desk.answer(channel, thread, ts, str(event["text"]), str(event["user"]))

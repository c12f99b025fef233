"""Bolt listeners: the assistant surface, questions (messages, mentions), buttons, and the
staff reply modal."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.desk import SlackDesk
from bot.slack.listeners import actions, assistant, messages, views


def register(app: App, desk: SlackDesk) -> None:
    # The assistant middleware first: it takes the events of assistant threads only.
    assistant.register(app, desk)
    messages.register(app, desk)
    actions.register(app, desk)
    views.register(app, desk)

"""Bolt listeners: questions (messages, mentions), buttons, and the staff reply modal."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.desk import SlackDesk
from bot.slack.listeners import actions, messages, views


def register(app: App, desk: SlackDesk) -> None:
    messages.register(app, desk)
    actions.register(app, desk)
    views.register(app, desk)

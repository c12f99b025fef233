"""The Slack app: questions by DM, mention or thread follow-up; staff escalation cards with
claim / reply / resolve; staff replies delivered back into the user's thread."""

from bot.slack.app import (
    SlackIntegration,
    build_bolt_app,
    make_client,
    make_slack,
    slack_status,
)
from bot.slack.delivery import SlackDelivery
from bot.slack.desk import SlackDesk

__all__ = [
    "SlackDelivery",
    "SlackDesk",
    "SlackIntegration",
    "build_bolt_app",
    "make_client",
    "make_slack",
    "slack_status",
]

"""The Slack app: questions by DM, mention or thread follow-up; staff escalation cards with
claim / reply / resolve; staff replies delivered back into the user's thread."""

from bot.slack.app import (
    app_manifest,
    build_bolt_app,
    make_client,
    run_socket_mode,
    slack_router,
    slack_status,
)
from bot.slack.delivery import SlackDelivery
from bot.slack.desk import Services, SlackDesk

__all__ = [
    "Services",
    "SlackDelivery",
    "SlackDesk",
    "app_manifest",
    "build_bolt_app",
    "make_client",
    "run_socket_mode",
    "slack_router",
    "slack_status",
]

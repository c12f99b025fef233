"""Slack's AI assistant surface (the split view): suggested prompts when a thread starts, a
status while the desk looks the answer up, and the answer from the same desk code."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Assistant, SetStatus, SetSuggestedPrompts
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import PLACEHOLDER
from bot.slack.desk import SlackDesk

log = logging.getLogger(__name__)

PROMPTS_TITLE = "Ask about Japan's defense market / 防衛市場について質問"
SUGGESTED_PROMPTS: list[dict[str, str]] = [
    {
        "title": "Unified qualification documents",
        "message": "What documents do I need for the unified qualification?",
    },
    {
        "title": "Export licences",
        "message": "Do I need an export licence to ship a drone component to Japan?",
    },
    {"title": "統一資格の必要書類", "message": "統一資格の申請に必要な書類は何ですか？"},
    {"title": "輸出許可", "message": "ドローン部品を日本に輸出するには輸出許可が必要ですか？"},
]


def _thread_of(payload: dict[str, Any]) -> tuple[str, str]:
    thread = payload.get("assistant_thread") or {}
    return str(thread.get("channel_id", "")), str(thread.get("thread_ts", ""))


def build_assistant(desk: SlackDesk) -> Assistant:
    assistant = Assistant()

    @assistant.thread_started
    def started(payload: dict[str, Any], set_suggested_prompts: SetSuggestedPrompts) -> None:
        channel, thread_ts = _thread_of(payload)
        if channel and thread_ts:
            desk.mark_assistant_thread(channel, thread_ts)
        set_suggested_prompts(prompts=SUGGESTED_PROMPTS, title=PROMPTS_TITLE)

    @assistant.thread_context_changed
    def context_changed(payload: dict[str, Any]) -> None:
        # The channel the user is viewing does not change the answer; the default handler
        # would store it in message metadata (conversations.replies + chat.update).
        channel, thread_ts = _thread_of(payload)
        if channel and thread_ts:
            desk.mark_assistant_thread(channel, thread_ts)

    def in_assistant_thread(payload: dict[str, Any]) -> bool:
        # Only threads Slack opened as assistant threads; a reply in an ordinary DM thread
        # goes to the plain message listener (placeholder, then the answer).
        thread_ts = payload.get("thread_ts")
        return bool(thread_ts) and desk.is_assistant_thread(
            str(payload.get("channel")), str(thread_ts)
        )

    # Bolt's annotation says one matcher, but it concatenates ``matchers`` to a list.
    only_assistant_threads: Any = [in_assistant_thread]

    @assistant.user_message(matchers=only_assistant_threads)  # type: ignore[untyped-decorator]
    def user_message(payload: dict[str, Any], set_status: SetStatus) -> None:
        if not payload.get("text") or not payload.get("user"):
            return
        try:
            set_status(PLACEHOLDER)
        except SlackApiError as exc:
            log.warning("assistant.threads.setStatus failed: %s", exc)
        desk.answer(
            str(payload["channel"]),
            str(payload["thread_ts"]),
            str(payload["ts"]),
            str(payload["text"]),
            str(payload["user"]),
            placeholder=False,
        )

    return assistant


def register(app: App, desk: SlackDesk) -> None:
    app.assistant(build_assistant(desk))

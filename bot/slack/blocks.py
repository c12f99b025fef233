"""Block Kit payloads: the answer with its sources and buttons, the staff escalation card,
the reply modal and a staff reply in the user's thread."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.answer.models import Answer
from bot.slack.formatting import escape, link, split_text, to_mrkdwn, truncate
from bot.store import Message, Ticket

Block = dict[str, Any]

FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
ASK_STAFF = "ask_staff"
CLAIM = "ticket_claim"
REPLY = "ticket_reply"
RESOLVE = "ticket_resolve"
REPLY_VIEW = "ticket_reply_view"
REPLY_BLOCK = "reply"
REPLY_INPUT = "text"

PLACEHOLDER = "Looking that up…"
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
# Slack's limits: a section's text holds 3,000 characters, a message 50 blocks, a context
# block 10 elements.
SECTION_LIMIT = 3000
MAX_BLOCKS = 50
MAX_CONTEXT_ELEMENTS = 10
SHORTENED = "\n\n_(The answer is too long for Slack and was shortened.)_"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT)}}


def _button(action_id: str, text: str, value: str, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def text_sections(text: str, max_sections: int) -> list[Block]:
    """Long text as several sections (each within Slack's limit); past ``max_sections`` the
    last one ends with a note that the answer was shortened."""
    pieces = split_text(text, SECTION_LIMIT) or [""]
    if len(pieces) > max_sections:
        pieces = pieces[:max_sections]
        pieces[-1] = truncate(pieces[-1], SECTION_LIMIT - len(SHORTENED)) + SHORTENED
    return [_section(piece) for piece in pieces]


def answer_blocks(answer: Answer, conversation_id: str, public_url: str) -> list[Block]:
    """The answer (citation markers kept, split into sections when long), its sources as
    links, and the feedback buttons. An answer without citations lists no sources."""
    tail: list[Block] = []
    if answer.citations:
        base = public_url.rstrip("/")
        sources = [
            link(f"{base}{c.url}", f"[{c.n}] {c.title}" + (f" — {c.section}" if c.section else ""))
            for c in answer.citations[:MAX_CONTEXT_ELEMENTS]
        ]
        tail.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": truncate(s, SECTION_LIMIT)} for s in sources
                ],
            }
        )
    tail.append(
        {
            "type": "actions",
            "block_id": "answer_actions",
            "elements": [
                _button(FEEDBACK_UP, "👍", conversation_id),
                _button(FEEDBACK_DOWN, "👎", conversation_id),
                _button(ASK_STAFF, "Ask institute staff", conversation_id),
            ],
        }
    )
    return text_sections(to_mrkdwn(answer.answer), MAX_BLOCKS - len(tail)) + tail


def escalation_card(ticket: Ticket, transcript: list[Message], public_url: str) -> list[Block]:
    """What staff see in their channel; the buttons go once the ticket is resolved."""
    url = f"{public_url.rstrip('/')}/staff/tickets/{ticket.ref}"
    state = ticket.state + (f" by {assignee(ticket.assignee)}" if ticket.assignee else "")
    lines = [f"*{role_label(m.role)}:* {escape(truncate(m.content, 300))}" for m in transcript[-6:]]
    tried = ", ".join(
        escape(str(r.get("title") or r.get("doc_id") or "?")) for r in ticket.retrieved[:5]
    )
    blocks: list[Block] = [
        _section(f"*{link(url, ticket.ref)}* — a question for institute staff\n*State:* {state}"),
        _section(f"*Question:*\n{escape(truncate(ticket.question, 1000))}"),
        _section(
            f"*Reason:* {escape(ticket.reason)}"
            + (f" — {escape(ticket.reason_detail)}" if ticket.reason_detail else "")
        ),
    ]
    if lines:
        blocks.append(_section("*Conversation:*\n" + "\n".join(lines)))
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"Sources tried: {tried or 'none'}"}],
        }
    )
    if ticket.state != "resolved":
        buttons = []
        if ticket.state == "open":
            buttons.append(_button(CLAIM, "Claim", ticket.ref, "primary"))
        buttons.append(_button(REPLY, "Reply", ticket.ref))
        buttons.append(_button(RESOLVE, "Resolve", ticket.ref, "danger"))
        blocks.append({"type": "actions", "block_id": "ticket_actions", "elements": buttons})
    return blocks


def assignee(who: str) -> str:
    """A Slack user id as a mention; a staff console e-mail address as plain text."""
    return f"<@{who}>" if _SLACK_USER.fullmatch(who) else escape(who)


def card_text(ticket: Ticket) -> str:
    return f"{ticket.ref} ({ticket.state}): {ticket.question}"[:300]


def role_label(role: str) -> str:
    return {"user": "User", "assistant": "Desk", "staff": "Staff"}.get(role, role)


def reply_modal(ref: str, card_channel: str, card_ts: str) -> dict[str, Any]:
    metadata = json.dumps({"ref": ref, "channel": card_channel, "ts": card_ts})
    return {
        "type": "modal",
        "callback_id": REPLY_VIEW,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": f"Reply to {ref}"[:24]},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": REPLY_BLOCK,
                "label": {"type": "plain_text", "text": "Your answer to the user"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REPLY_INPUT,
                    "multiline": True,
                    "max_length": 2900,
                },
            }
        ],
    }


def staff_reply_blocks(ticket: Ticket, message: Message) -> list[Block]:
    return [
        _section(f"*From institute staff* ({ticket.ref}):\n{to_mrkdwn(message.content)}"),
    ]

"""Markdown (what the answer engine writes) → Slack mrkdwn.

Citation markers (``[1]``) are kept as they are; Slack shows them as plain text and the
sources are listed as links under the answer.
"""

from __future__ import annotations

import re

_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)


def escape(text: str) -> str:
    """Slack's three control characters; everything else is literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """``<url|label>`` with the label escaped (a ``|`` or ``>`` would end the link early)."""
    return f"<{url}|{escape(label).replace('|', '¦')}>"


def to_mrkdwn(markdown: str) -> str:
    text = escape(markdown)
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    text = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)
    text = _HEADING.sub(lambda m: f"*{m.group(1)}*", text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    return text


def truncate(text: str, limit: int) -> str:
    """Block Kit rejects over-long texts (a section holds 3,000 characters)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a paragraph break, else a line break,
    else a space, else anywhere; nothing is lost (only the whitespace at a cut)."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep)
            if cut > limit // 3:
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces

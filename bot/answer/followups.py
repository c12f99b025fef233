"""Follow-up questions ("and when is the deadline?", "その締切は？") only make sense with the
conversation. A configured model rewrites them into standalone questions; offline, the
previous question's topic is carried over into the retrieval query."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol

from retrieval.index.lexical import tokenize

_ANAPHORA = re.compile(
    r"\b(it|its|it's|that|this|these|those|they|them|their|there|same|also|and|what about|"
    r"how about|instead|then|the deadline|the budget|the grade|for that)\b|"
    r"^(and|but|so|also|what about|how about)\b|"
    r"その|それ|これ|あれ|この|あの|そちら|同じ|そこ|そっち|じゃあ|では|ちなみに|あと|も[？?]?$"
)
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+){2,}")
_SHORT_TOKENS = 5
_SHORT_JA_CHARS = 30
_SHORT_EN_WORDS = 8


class Rewriter(Protocol):
    def rewrite(self, question: str, history: Sequence[tuple[str, str]]) -> str: ...


def is_follow_up(question: str) -> bool:
    """Short or anaphoric questions lean on the previous turn; one that names a tender id
    stands on its own."""
    text = unicodedata.normalize("NFKC", question).lower().strip()
    if _ID.search(text):
        return False
    return bool(_ANAPHORA.search(text)) or len(tokenize(text)) <= _SHORT_TOKENS


def candidate_queries(
    question: str, history: Sequence[tuple[str, str]], rewriter: Rewriter | None = None
) -> list[str]:
    """The questions to search with, best guess first. ``history`` is (role, text) pairs,
    oldest first.

    A model rewrites a follow-up into one standalone question. Offline, a question that looks
    like a follow-up is searched with the previous topic carried over; any other question
    asked mid-conversation is searched as it is first and, if it is short and the documents do
    not answer it that way, with the topic carried over (Japanese drops the subject so often
    that "提案書は何枚まで？" rarely looks like a follow-up).
    """
    previous = [text for role, text in history if role == "user"]
    text = unicodedata.normalize("NFKC", question).lower()
    if not previous or _ID.search(text):
        return [question]
    if rewriter is not None:
        return [rewriter.rewrite(question, history)]
    carried = f"{previous[-1]} {question}"
    if is_follow_up(question):
        return [carried]
    return [question, carried] if _short(text) else [question]


def _short(text: str) -> bool:
    """Short enough to lean on the conversation (a full question stands on its own)."""
    if re.search(r"[\u3040-\u30ff\u3400-\u9fff]", text):
        return len(text) <= _SHORT_JA_CHARS
    return len(text.split()) <= _SHORT_EN_WORDS

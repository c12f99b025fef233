"""Text that asks the reader for credentials or money.

Why this exists: the desk answers by quoting documents, with a citation, so whatever a quoted
sentence tells the reader to do reads as the desk's own advice. The documents are curated,
but one can still carry a sentence pasted from a phishing mail or planted on purpose ("send
your password to ...", "pay the registration fee to account ..."). Such a sentence is never
quoted as an answer, and ingestion flags its document for a person to look at. It is not
rejected: a flagged document may be legitimate (a warning that quotes a scam, say).

The rules are few on purpose, so that anyone can read what they catch. A sentence is flagged
when it *asks the reader* (an instruction or a request, not a description or a prohibition)

1. to hand over a secret: a password, PIN, one-time or verification code, log-in details,
   card or bank-account details ("send your password to ...", "パスワードを...に送ってください");
2. to pay or transfer money or a fee to an account, address or number ("pay the registration
   fee to account ...", "下記口座にお振り込みください").

"Bidders must not share passwords", "The fee is free of charge", "パスワードを他人に教えない
でください" and "申請に手数料はかかりません" describe or forbid; they are not requests, and
are not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from retrieval.text import nfkc

Reason = Literal["asks for credentials", "asks for payment"]

# --- English ----------------------------------------------------------------------------

_SECRET = (
    r"(?:pass(?:word|code|phrase)s?|(?-i:PIN)(?:\s+(?:codes?|numbers?))?(?!\s+diodes?)"
    r"|one[- ]time\s+(?:pass(?:word|code)s?|codes?)|(?-i:OTP)s?"
    r"|(?:verification|security|authentication|sms|2fa)\s+codes?"
    r"|log-?in\s+(?:details|credentials|information|id)|credentials"
    r"|(?:credit|debit|bank)?\s*card\s+(?:numbers?|details)|(?-i:CVV|CVC)"
    r"|(?:bank\s+)?account\s+(?:numbers?|details)|bank\s+details)"
)
_HAND_OVER = (
    r"(?:send|e-?mail|mail|forward|share|give|provide|tell|disclose|submit|reply\s+with|text"
    r"|fax|hand\s+over|read\s+out)"
)
_HANDED_OVER = r"(?:sent|e-?mailed|mailed|forwarded|shared|given|provided|disclosed|submitted)"
_PAY = r"(?:pay|transfer|wire|remit|deposit|send)"
_PAID = r"(?:paid|transferred|wired|remitted|deposited|sent)"
_MONEY = (
    r"(?:money|fees?|payments?|deposits?|funds|amount|sum|charges?"
    r"|(?<![\d,.])\d[\d,.]*\s*(?:yen|jpy|usd|dollars?|euros?)|[¥$€]\s?\d)"
)
_DESTINATION = (
    r"(?:\b(?:to|into|via)\s+(?:\S+\s+){0,4}?(?:(?:bank\s+)?account|a/c|wallet|e-?mail|address)\b"
    r"|\baccount\s+(?:no\b|number|#)|[\w.+-]+@[\w.-]+\w|https?://|(?<!\d)\d{5})"
)
#: What puts a verb to the reader: the start of a sentence or clause, "please", "you", a
#: modal ("must", "need to"). A negation in between ("must not share") is not a request.
_ASK = (
    r"(?:^|[,;:(]\s*|\b(?:please|kindly|then|and|you|must|should|shall|need\s+to|needs\s+to"
    r"|required\s+to|have\s+to|has\s+to|asked\s+to|are\s+to|is\s+to)\s+)(?:\w+ly\s+)?"
)
_MUST_BE = r"\b(?:must|should|shall|needs?\s+to|are\s+to|is\s+to|has\s+to|have\s+to)\s+be\s+"
_WORDS = r"(?:\S+\s+){0,5}?"

_CREDENTIALS_EN = re.compile(
    rf"{_ASK}{_HAND_OVER}\s+{_WORDS}(?:your\s+|the\s+|any\s+|our\s+)?{_SECRET}\b"
    rf"|\b{_SECRET}\b[^.]{{0,40}}?{_MUST_BE}{_HANDED_OVER}\b",
    re.IGNORECASE,
)
_PAYMENT_EN = re.compile(
    rf"{_ASK}{_PAY}\s+(?:\S+\s+){{0,3}}?{_MONEY}\b|{_MONEY}[^.]{{0,40}}?{_MUST_BE}{_PAID}\b",
    re.IGNORECASE,
)
_DESTINATION_EN = re.compile(_DESTINATION, re.IGNORECASE)

# --- Japanese ---------------------------------------------------------------------------

_SECRET_JA = (
    r"(?:パスワード|暗証番号|ワンタイム|認証コード|確認コード|セキュリティコード|ログイン(?:ID|情報)"
    r"|口座番号|口座情報|クレジットカード|カード番号|キャッシュカード|PIN)"
)
_HAND_OVER_JA = r"(?:送|知らせ|教え|伝え|連絡|提供|返信|メールし|ご提示|提示)"
_PAY_JA = r"(?:振り?込|送金|入金|支払|払い?込)"
_DESTINATION_JA = r"(?:口座|振込先|送金先|宛|@|(?<!\d)\d{5})"
_REQUEST_JA = r"(?:ください|下さい|願い|すること|ること|ほしい|頂きたい|いただきたい)"
_NEGATION_JA = re.compile(r"ないで|ないこと|ないよう|ません|禁止|不要|しない|決して")

_CREDENTIALS_JA = re.compile(
    rf"{_SECRET_JA}[^。]{{0,60}}?{_HAND_OVER_JA}[^。]{{0,10}}?{_REQUEST_JA}"
)
_PAYMENT_JA = re.compile(
    rf"{_DESTINATION_JA}[^。]{{0,60}}?{_PAY_JA}[^。]{{0,10}}?{_REQUEST_JA}"
    rf"|{_PAY_JA}[^。]{{0,10}}?{_REQUEST_JA}[^。]{{0,5}}?[:：]?\s*{_DESTINATION_JA}"
)

_SENTENCE = re.compile(r"(?<=[。！？!?])|(?<=\.)\s+|\n+")


@dataclass(frozen=True)
class Flag:
    """Why a text was flagged, and the sentence that asks."""

    reason: Reason
    sentence: str

    def __str__(self) -> str:
        excerpt = self.sentence if len(self.sentence) <= 120 else self.sentence[:117] + "..."
        return f"{self.reason}: {excerpt!r}"


def find_request(text: str) -> Flag | None:
    """The first sentence of ``text`` that asks the reader for credentials or payment."""
    for sentence in _SENTENCE.split(nfkc(text)):
        sentence = sentence.strip()
        if not sentence:
            continue
        reason = _asks(sentence)
        if reason is not None:
            return Flag(reason, sentence)
    return None


def asks_for_credentials_or_payment(text: str) -> bool:
    return find_request(text) is not None


def first_flag(texts: Iterable[str]) -> Flag | None:
    """The first flag among ``texts`` (a document's units, say)."""
    for text in texts:
        flag = find_request(text)
        if flag is not None:
            return flag
    return None


def _asks(sentence: str) -> Reason | None:
    if _CREDENTIALS_EN.search(sentence):
        return "asks for credentials"
    if _PAYMENT_EN.search(sentence) and _DESTINATION_EN.search(sentence):
        return "asks for payment"
    if _NEGATION_JA.search(sentence):
        return None
    if _CREDENTIALS_JA.search(sentence):
        return "asks for credentials"
    if _PAYMENT_JA.search(sentence):
        return "asks for payment"
    return None

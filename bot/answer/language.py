"""Which language to answer in, and the fixed phrases the answers are framed with."""

from __future__ import annotations

import re

from bot.answer.citations import strip_markers
from bot.answer.models import Lang
from retrieval.text import HAN, KANA

_OTHER_SCRIPTS = re.compile(r"[\uac00-\ud7af\u0400-\u04ff\u0600-\u06ff\u0e00-\u0e7f]")


def detect_language(text: str) -> tuple[Lang, bool]:
    """(language to answer in, whether the question was in a language we do not support).

    Kana means Japanese; Han characters alone count as Japanese too (a kanji-only question is
    far likelier here than Chinese). Hangul, Cyrillic, Arabic or Thai get an English answer
    with a note.
    """
    if KANA.search(text):
        return "ja", False
    if _OTHER_SCRIPTS.search(text):
        return "en", True
    if HAN.search(text):
        return "ja", False
    return "en", False


PHRASES: dict[str, dict[Lang, str]] = {
    "intro": {
        "en": "Here is what the indexed documents say:",
        "ja": "登録されている資料には、次のように記載されています。",
    },
    "quoted_other": {
        "en": " (quoted from a Japanese source)",
        "ja": "（英語の資料からの引用）",
    },
    "not_found": {
        "en": "I could not find an answer to this in the indexed documents, so I won't guess.",
        "ja": "登録されている資料からはこの質問への回答が見つかりませんでした。"
        "推測での回答は控えます。",
    },
    "internal": {
        "en": "Internal evaluation material (scoring weights, internal estimates, evaluators' "
        "notes) is not shared with applicants.",
        "ja": "評価に関する内部資料（配点、内部の積算、評価者のメモなど）は、"
        "応募者には開示していません。",
    },
    "partial": {
        "en": "The closest passages may help, but they do not clearly answer the question:",
        "ja": "関連しそうな記載は次のとおりですが、質問への明確な回答ではありません。",
    },
    "escalated": {
        "en": "I have passed your question to the institute staff; a person will follow up "
        "here (ticket {ticket}).",
        "ja": "ご質問を研究所の担当者に引き継ぎました。"
        "担当者からこちらに回答します（チケット {ticket}）。",
    },
    "unsupported_language": {
        "en": "I can answer in English or Japanese; here is my answer in English.",
        "ja": "英語または日本語でお答えします。",
    },
    "would_escalate": {
        "en": "(Here the desk would pass the question to institute staff: {reason}. No ticket "
        "was opened.)",
        "ja": "（ここでは研究所の担当者に引き継ぐ場面です：{reason}。"
        "チケットは作成していません。）",
    },
    "declined": {
        "en": "I'm Dual-Use Desk, and I can only help with questions about working with Japan's "
        "Ministry of Defense and ATLA as a startup: eligibility and the bidding qualification, "
        "open tenders and their deadlines, MOD's requirements, security and export rules, "
        "intellectual property, funding, mass production and DISTI. What would you like to know?",
        "ja": "Dual-Use Desk は、スタートアップが防衛省・防衛装備庁と仕事をするための"
        "ご質問にお答えします。"
        "入札参加資格（全省庁統一資格）や参加要件、募集中の公告と締切、防衛省の要求、"
        "情報保全・輸出管理、知的財産、研究資金、量産支援、DISTI などについてお尋ねください。",
    },
    "greeting": {
        "en": "Hello! I'm Dual-Use Desk. Ask me about eligibility and the bidding qualification, "
        "open tenders and deadlines, MOD's requirements, security and export rules, IP, funding "
        "or DISTI, in English or Japanese.",
        "ja": "こんにちは。Dual-Use Desk です。入札参加資格、募集中の公告と締切、防衛省の要求、"
        "情報保全・輸出管理、知的財産、研究資金、DISTI などについて、"
        "日本語または英語でお尋ねください。",
    },
    "disclaimer": {
        "en": "Answers come from the indexed documents and may be incomplete.",
        "ja": "回答は登録資料に基づくもので、すべてを網羅していない場合があります。",
    },
}


def phrase(key: str, lang: Lang, **values: str) -> str:
    return PHRASES[key][lang].format(**values)


_FRAMES = sorted(
    (text for texts in PHRASES.values() for text in texts.values() if "{" not in text),
    key=len,
    reverse=True,
)


def unframed(answer: str) -> str:
    """An answer's own words: without the fixed phrases it is framed with or its citation
    markers."""
    for frame in _FRAMES:
        answer = answer.replace(frame.strip(), " ")
    return strip_markers(answer).strip()

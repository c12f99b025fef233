"""Questions that metadata answers better than prose: when a tender closes, and which tenders
are open. Dates come from the notices' ``deadline`` field, never from guessing at text."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from bot.answer.citations import resolve_markers
from bot.answer.models import Citation, Lang
from retrieval import Hit, Retriever, SearchFilters
from retrieval.filters import Audience

_DEADLINE = re.compile(
    r"\b(clos(e|es|ed|ing)|deadline|due|until|still open|open|expire|last day|submit by|"
    r"how long|when)\b|締切|締め切|期限|いつまで|受付|募集中|終了|まだ"
)
_LISTING_EN = re.compile(
    r"\b(which|what|any|list|show|current|open|available|upcoming|active)\b.{0,40}"
    r"\b(tenders?|notices?|calls?|solicitations?|bids?|opportunit(y|ies)|procurements?)\b"
)
_LISTING_OPEN_EN = re.compile(r"\b(open|current|available|accepting|still|now|active|upcoming)\b")
_ANYTHING_OPEN_EN = re.compile(
    r"\b(anything|what's|whats|what is|is there anything|are there any)\b.{0,25}\b(open|out)\b"
)
_CLOSED = re.compile(
    r"\b(already closed|closed|past|expired|finished)\b|締切済|締め切られた|終了した|終わった"
)
_LISTING_JA = re.compile(
    r"(募集中|公募中|受付中|締切前|応募できる|参加できる|開いている|出ている|現在|今).{0,20}"
    r"(入札|公告|公募|案件|募集)|(入札|公告|公募|案件).{0,20}"
    r"(募集中|公募中|受付中|ありますか|ある？|一覧|教えて|出て|締切済|終了した|終わった)"
)
AREA_WORDS: dict[str, tuple[str, ...]] = {
    "drones": (
        "drone",
        "uas",
        "uav",
        "unmanned aerial",
        "quadcopter",
        "ドローン",
        "無人機",
        "無人航空機",
    ),
    "satellites": ("satellite", "constellation", "衛星"),
    "space": ("space", "宇宙"),
    "ai": ("ai", "artificial intelligence", "machine learning", "人工知能"),
    "cyber": ("cyber", "サイバー"),
    "sensors": ("sensor", "radar", "infrared", "センサ", "レーダ", "赤外線"),
    "materials": ("material", "armour", "armor", "素材", "材料", "装甲"),
    "communications": ("communication", "comms", "radio", "network", "通信", "無線"),
    "maritime": ("maritime", "naval", "usv", "underwater", "ship", "海洋", "艦艇", "水中", "海上"),
    "quantum": ("quantum", "量子"),
    "robotics": ("robot", "ロボット"),
    "energy": ("battery", "batteries", "power", "energy", "電池", "バッテリ", "電源", "エネルギー"),
}


@dataclass(frozen=True)
class MetadataAnswer:
    body: str
    citations: list[Citation]


def _mentions(text: str, word: str) -> bool:
    """Whole English words (plurals too); Japanese words anywhere."""
    if word.isascii():
        return re.search(rf"\b{re.escape(word)}(s|es)?\b", text) is not None
    return word in text


def _normalize(text: str) -> str:
    return " " + unicodedata.normalize("NFKC", text).lower() + " "


def _long_date(date: dt.date, lang: Lang) -> str:
    if lang == "ja":
        return f"{date.year}年{date.month}月{date.day}日（{date.isoformat()}）"
    return f"{date.day} {date:%B} {date.year} ({date.isoformat()})"


class TenderDesk:
    def __init__(self, retriever: Retriever) -> None:
        self._retriever = retriever

    def answer(
        self, question: str, lang: Lang, audience: Audience, as_of: dt.date
    ) -> MetadataAnswer | None:
        """A metadata answer when the question is about a tender's deadline or asks which
        tenders are open; ``None`` lets the prose path answer."""
        text = _normalize(question)
        notices = self._retriever.documents(
            SearchFilters(doc_types=("tender_notice",)), audience=audience, as_of=as_of
        )
        named = [n for n in notices if n.tender_id and n.tender_id.lower() in text]
        if named and _DEADLINE.search(text):
            return self._deadlines(question, named, lang, audience, as_of)
        if not named and self._is_listing(text):
            return self._listing(text, notices, lang, as_of)
        return None

    @staticmethod
    def _is_listing(text: str) -> bool:
        return bool(
            (_LISTING_EN.search(text) and (_LISTING_OPEN_EN.search(text) or _CLOSED.search(text)))
            or _ANYTHING_OPEN_EN.search(text)
            or _LISTING_JA.search(text)
        )

    def _deadlines(
        self, question: str, named: list[Hit], lang: Lang, audience: Audience, as_of: dt.date
    ) -> MetadataAnswer:
        passages: list[Hit] = []
        lines: list[str] = []
        for notice in named:
            passages.append(self._best_section(question, notice, audience, as_of))
            lines.append(self._status_line(notice, lang, as_of) + f" [{len(passages)}]")
        body, citations = resolve_markers("\n".join(lines), passages)
        return MetadataAnswer(body, citations)

    def _best_section(self, question: str, notice: Hit, audience: Audience, as_of: dt.date) -> Hit:
        hits = self._retriever.search(question, k=10, audience=audience, as_of=as_of)
        return next((h for h in hits if h.doc_id == notice.doc_id), notice)

    @staticmethod
    def _status_line(notice: Hit, lang: Lang, as_of: dt.date) -> str:
        assert notice.deadline is not None
        days = (notice.deadline - as_of).days
        when = _long_date(notice.deadline, lang)
        if lang == "ja":
            if days >= 0:
                return (
                    f"{notice.tender_id}（{notice.title}）の締切は{when}です。"
                    f"{as_of.isoformat()}時点で受付中です（残り{days}日）。"
                )
            return (
                f"{notice.tender_id}（{notice.title}）の締切は{when}で、"
                f"{as_of.isoformat()}時点で受付は終了しています。"
            )
        if days >= 0:
            return (
                f"{notice.tender_id} ({notice.title}) closes on {when}; as of "
                f"{as_of.isoformat()} it is open, with {days} day{'s' if days != 1 else ''} left."
            )
        return (
            f"{notice.tender_id} ({notice.title}) closed on {when}; as of {as_of.isoformat()} "
            "it no longer accepts submissions."
        )

    def _listing(self, text: str, notices: list[Hit], lang: Lang, as_of: dt.date) -> MetadataAnswer:
        known = {area for n in notices for area in n.tech_areas}
        areas = {
            area
            for area, words in AREA_WORDS.items()
            if area in known and any(_mentions(text, w) for w in words)
        }
        every = [n for n in notices if areas <= set(n.tech_areas)]
        matching = every or [n for n in notices if areas & set(n.tech_areas)]
        closed = bool(_CLOSED.search(text))
        open_now = sorted(
            (n for n in matching if n.deadline and (n.deadline < as_of) == closed),
            key=lambda n: (n.deadline, n.tender_id),
        )
        label = ", ".join(sorted(areas))
        if lang == "ja":
            state = "受付を終了した" if closed else "受付中の"
            head = f"{as_of.isoformat()}時点で{state}入札公告" + (f"（{label}）" if label else "")
        else:
            state = "closed" if closed else "open"
            head = f"Tender notices {state} as of {as_of.isoformat()}" + (
                f" ({label})" if label else ""
            )
        lines = [head + ("：" if lang == "ja" else ":")]
        listed = open_now
        if not open_now:
            lines = [head + ("はありません。" if lang == "ja" else ": none.")]
            listed = sorted(
                (n for n in matching if n.deadline and n.deadline < as_of),
                key=lambda n: n.deadline or as_of,
                reverse=True,
            )[:3]
            if listed and not closed:
                lines.append("最近締め切られた公告：" if lang == "ja" else "Recently closed:")
        for index, notice in enumerate(listed, start=1):
            assert notice.deadline is not None
            past = notice.deadline < as_of
            closes = (
                ("締切済" if past else "締切") if lang == "ja" else ("closed" if past else "closes")
            )
            lines.append(
                f"- {notice.tender_id}: {notice.title} — {closes} {notice.deadline.isoformat()} "
                f"[{index}]"
            )
        body, citations = resolve_markers("\n".join(lines), listed)
        return MetadataAnswer(body, citations)

"""Questions that metadata answers better than prose: when a tender closes, and which tenders
are open. Dates come from the notices' ``deadline`` field, never from guessing at text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answer.citations import resolve_markers
from bot.answer.models import Citation, Lang
from retrieval import Hit, Retriever, SearchFilters
from retrieval.filters import Audience
from retrieval.text import fold

_CLOSED = re.compile(
    r"\b(already closed|closed|past|expired|finished)\b|締切済|締め切られた|終了した|終わった"
)
ISSUER_WORDS: dict[str, tuple[str, ...]] = {
    "DISTI": ("disti", "防衛イノベーション科学技術研究所"),
    "ASDF": ("asdf", "air self-defense", "air materiel", "航空自衛隊"),
    "GSDF": ("gsdf", "ground self-defense", "陸上自衛隊", "陸上総隊"),
    "Defense Bureaus": ("defense bureau", "防衛局"),
}
_MONTHS = [dt.date(2000, month, 1).strftime("%B").lower() for month in range(1, 13)]
_WINDOW_EN = re.compile(
    r"\b(?:before|by|until|through) (?:the )?end of (?P<month>"
    + "|".join(_MONTHS)
    + r")(?: (?P<year>\d{4}))?|\b(?P<year_end>this year|(?:the )?end of the year|year-end)\b|"
    r"\b(?P<month_end>this month)\b|\b(?:within|in|next) (?:the next )?(?P<days>\d{1,3}) days\b"
)
_WINDOW_JA = re.compile(
    r"(?P<year_end>年内|今年中|今年度内)|(?P<month_end>今月)|(?P<days>\d{1,3})日以内|"
    r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?:末|中|いっぱい|まで)"
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


DEADLINE = "deadline"
LISTING = "listing"
OTHER = "other"


@dataclass(frozen=True)
class MetadataAnswer:
    body: str
    citations: list[Citation]


def _mentions(text: str, word: str) -> bool:
    """Whole English words (plurals too); Japanese words anywhere."""
    if word.isascii():
        return re.search(rf"\b{re.escape(word)}(s|es)?\b", text) is not None
    return word in text


def _names(text: str, tender_id: str) -> bool:
    """Whether the question names the tender, in full ("atla-2026-uas-014") or, as people do
    in conversation, without the agency and year ("uas-014")."""
    full = _normalize(tender_id).strip()
    parts = full.split("-")
    aliases = {full, "-".join(parts[2:])} if len(parts) >= 4 else {full}
    return any(
        re.search(rf"(?<![a-z0-9-]){re.escape(alias)}(?![a-z0-9])", text) for alias in aliases
    )


def _window(text: str, as_of: dt.date) -> dt.date | None:
    """The last deadline a question like "which close before the end of January?" or
    「年内に締め切りが来る案件」 admits; ``None`` when it names no time window."""
    match = _WINDOW_EN.search(text) or _WINDOW_JA.search(text)
    if match is None:
        return None
    found = match.groupdict()
    if found.get("year_end"):
        return dt.date(as_of.year, 12, 31)
    if found.get("month_end"):
        return _month_end(as_of.year, as_of.month)
    if found.get("days"):
        return as_of + dt.timedelta(days=int(found["days"]))
    month_text = found["month"]
    month = int(month_text) if month_text.isdigit() else _MONTHS.index(month_text) + 1
    if not 1 <= month <= 12:
        return None
    year = int(found["year"]) if found.get("year") else as_of.year + (month < as_of.month)
    return _month_end(year, month)


def _month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def _normalize(text: str) -> str:
    return " " + fold(text) + " "


def _long_date(date: dt.date, lang: Lang) -> str:
    if lang == "ja":
        return f"{date.year}年{date.month}月{date.day}日（{date.isoformat()}）"
    return f"{date.day} {date:%B} {date.year} ({date.isoformat()})"


class TenderDesk:
    def __init__(self, retriever: Retriever) -> None:
        self._retriever = retriever

    def answer(
        self,
        question: str,
        intent: str,
        lang: Lang,
        audience: Audience,
        as_of: dt.date,
        topic: str = "",
        hits: Sequence[Hit] = (),
    ) -> MetadataAnswer | None:
        """A metadata answer when the question asks when a tender closes (``intent``
        "deadline") or which tenders are open ("listing"), as the tender-intent model
        judged it; ``None`` lets the prose path answer. The tender a deadline question is
        about is the one it names, else the one the earlier question (``topic``) named, else
        the notice retrieval ranks first among ``hits`` ("the drone battery call")."""
        text = _normalize(question)
        notices = self._retriever.documents(
            SearchFilters(doc_types=("tender_notice",)), audience=audience, as_of=as_of
        )
        if intent == LISTING:
            return self._listing(text, notices, lang, as_of, _window(text, as_of))
        if intent != DEADLINE:
            return None
        named = [n for n in notices if n.tender_id and _names(text, n.tender_id)]
        if not named and topic:
            named = [n for n in notices if n.tender_id and _names(_normalize(topic), n.tender_id)]
        if not named:
            ranked = [h.doc_id for h in hits[:3] if h.doc_type == "tender_notice"]
            named = [n for n in notices if ranked and n.doc_id == ranked[0]]
        if not named:
            return None
        return self._deadlines(f"{topic} {question}".strip(), named, lang, audience, as_of)

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

    def _listing(
        self, text: str, notices: list[Hit], lang: Lang, as_of: dt.date, window: dt.date | None
    ) -> MetadataAnswer:
        """Open (or closed) notices matching the technology areas, issuer and time window the
        question names; when nothing is open, or the question is about one issuer's calls,
        the most recently closed ones too."""
        areas, issuers = _asked_areas(text, notices), _asked_issuers(text)
        matching = _matching(notices, areas, issuers)
        closed = bool(_CLOSED.search(text))
        past, open_now = _by_deadline(matching, as_of, window)
        listed = past if closed else open_now
        head = _listing_head(sorted(areas | issuers), window, closed, lang, as_of)
        lines = [head + ("：" if lang == "ja" else ":")] if listed else [_nothing(head, lang)]
        lines += [_listing_line(n, i, lang, as_of) for i, n in enumerate(listed, 1)]
        if not closed and past and (not open_now or issuers):
            recent = past[:3]
            lines.append("最近締め切られた公告：" if lang == "ja" else "Recently closed:")
            lines += [
                _listing_line(n, len(listed) + i, lang, as_of) for i, n in enumerate(recent, 1)
            ]
            listed = listed + recent
        body, citations = resolve_markers("\n".join(lines), listed)
        return MetadataAnswer(body, citations)


def _asked_areas(text: str, notices: list[Hit]) -> set[str]:
    """The technology areas the question names, among those some notice has."""
    known = {area for n in notices for area in n.tech_areas}
    return {
        area
        for area, words in AREA_WORDS.items()
        if area in known and any(_mentions(text, w) for w in words)
    }


def _asked_issuers(text: str) -> set[str]:
    return {name for name, words in ISSUER_WORDS.items() if any(_mentions(text, w) for w in words)}


def _matching(notices: list[Hit], areas: set[str], issuers: set[str]) -> list[Hit]:
    """Notices of the issuers named, in every area named, or else in any of them."""
    if issuers:
        notices = [n for n in notices if _issued_by(n, issuers)]
    every = [n for n in notices if areas <= set(n.tech_areas)]
    return every or [n for n in notices if areas & set(n.tech_areas)]


def _by_deadline(
    notices: list[Hit], as_of: dt.date, window: dt.date | None
) -> tuple[list[Hit], list[Hit]]:
    """(closed, newest first; open within the window, soonest first)."""
    dated = [(n.deadline, n) for n in notices if n.deadline is not None]
    past = [n for deadline, n in dated if deadline < as_of]
    open_now = [
        n for deadline, n in dated if as_of <= deadline and (window is None or deadline <= window)
    ]
    return sorted(past, key=_deadline_order, reverse=True), sorted(open_now, key=_deadline_order)


def _deadline_order(notice: Hit) -> tuple[dt.date, str]:
    return (notice.deadline or dt.date.min, notice.tender_id or "")


def _listing_head(
    labels: list[str], window: dt.date | None, closed: bool, lang: Lang, as_of: dt.date
) -> str:
    if window is not None and not closed:
        labels.append(f"{window.isoformat()}まで" if lang == "ja" else f"closing by {window}")
    label = ", ".join(labels)
    if lang == "ja":
        state = "受付を終了した" if closed else "受付中の"
        return f"{as_of.isoformat()}時点で{state}入札公告" + (f"（{label}）" if label else "")
    state = "closed" if closed else "open"
    return f"Tender notices {state} as of {as_of.isoformat()}" + (f" ({label})" if label else "")


def _nothing(head: str, lang: Lang) -> str:
    return head + ("はありません。" if lang == "ja" else ": none.")


def _listing_line(notice: Hit, marker: int, lang: Lang, as_of: dt.date) -> str:
    assert notice.deadline is not None
    ended = notice.deadline < as_of
    closes = ("締切済" if ended else "締切") if lang == "ja" else ("closed" if ended else "closes")
    when = _long_date(notice.deadline, lang)
    return f"- {notice.tender_id}: {notice.title} — {closes} {when} [{marker}]"


def _issued_by(notice: Hit, issuers: set[str]) -> bool:
    issuer = _normalize(notice.issuer or "")
    return any(_mentions(issuer, w) for name in issuers for w in ISSUER_WORDS[name])

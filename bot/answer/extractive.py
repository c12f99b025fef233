"""The offline composer: answer by quoting the evidence units that answer the question, the
best first, within a length budget, from at most a few sections, each followed by its citation
marker. It never writes a claim of its own, so everything it says is grounded by
construction. It never quotes a unit that asks the reader for credentials or payment
(``retrieval.ingestion.flags``), and quoted text keeps no citation marker of its own."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.answer.answer_types import AnswerType
from bot.answer.citations import resolve_markers, strip_markers
from bot.answer.language import phrase
from bot.answer.models import Citation, Lang
from bot.answer.ranking import RankedUnit, Ranking
from retrieval import Hit
from retrieval.index.lexical import tokenize
from retrieval.ingestion.flags import asks_for_credentials_or_payment
from retrieval.text import fold

#: e5 similarity of a unit and its translation (about 0.84-0.94).
_TRANSLATION = 0.85
_BUDGET = {"en": 700, "ja": 320}
_FACT = re.compile(r"[\w.+-]+@[\w.-]+\w|https?://\S+|\d[\d,.]*\d")


@dataclass(frozen=True)
class Draft:
    """A composed answer before framing: body with markers, citations, and how sure we are
    that it answers the question."""

    body: str
    citations: list[Citation]
    confidence: float
    units: tuple[str, ...] = ()
    #: The best units as passages (each its section's hit with the unit's text): what a
    #: model reads when it writes the answer instead.
    passages: tuple[Hit, ...] = ()


class ExtractiveComposer:
    """Keeps the best unit, then the next ones that score nearly as well (``ratio`` of the
    best), up to ``max_units`` and the language's character budget. A unit of another
    document must score ``other_document`` on its own (citation precision: a second source
    only when it answers too); a weaker unit of the first document (down to ``complement``
    of the floor) is kept when it states what the question also asks and nothing chosen
    covers (a two-part question). Both were chosen on the development packs."""

    def __init__(
        self,
        max_units: int = 3,
        max_sections: int = 2,
        ratio: float = 0.25,
        passages: int = 8,
        other_document: float = 0.5,
        complement: float = 0.4,
    ) -> None:
        self._complement = complement
        self._other_document = other_document
        self._passages = passages
        self._max_units = max_units
        self._max_sections = max_sections
        self._ratio = ratio

    def compose(
        self,
        ranking: Ranking,
        lang: Lang,
        hits: Sequence[Hit],
        kinds: frozenset[AnswerType] = frozenset(),
    ) -> Draft:
        # A unit asking for credentials or payment is dropped, but still sets the bar: what
        # is left is quoted only if it scores nearly as well as the best unit did.
        ranked = [u for u in ranking.units if not _unsafe(u.text)]
        best = ranking.units[0].score if ranking.units else 0.0
        chosen = self._choose(ranked, lang, best * self._ratio, ranking.asked)
        passages = tuple(
            dataclasses.replace(hits[u.match.hit], text=strip_markers(u.text))
            for u in ranked[: self._passages]
        )
        if not chosen:
            # Nothing left to quote answers nothing, however well the dropped units scored.
            confidence = ranking.answerable if len(ranked) == len(ranking.units) else 0.0
            return Draft("", [], confidence, (), passages)
        lines = []
        for unit in chosen:
            quoted = unit.match.language != lang
            suffix = phrase("quoted_other", lang) if quoted else ""
            lines.append(f"{strip_markers(unit.text)}{suffix} [{unit.match.hit + 1}]")
        body, citations = resolve_markers("\n".join(lines), hits)
        units = tuple(u.match.unit.unit_id for u in chosen)
        return Draft(body, citations, ranking.answerable, units, passages)

    def _choose(
        self, ranked: list[RankedUnit], lang: Lang, floor: float, asked: frozenset[str]
    ) -> list[RankedUnit]:
        if not ranked:
            return []
        budget = _BUDGET.get(lang, _BUDGET["en"])
        chosen: list[RankedUnit] = []
        sections: set[tuple[str, str]] = set()
        used = 0
        for unit in ranked:
            if len(chosen) >= self._max_units or unit.score < floor * self._complement:
                break
            if unit.score < floor and not (chosen and _complements(unit, chosen, asked)):
                continue
            unit = _in_own_language(unit, ranked, lang)
            section = (unit.match.unit.doc_id, unit.match.unit.anchor)
            new_section = section not in sections
            if chosen and new_section and len(sections) >= self._max_sections:
                continue
            if chosen and self._elsewhere_and_weak(unit, chosen[0]):
                continue
            if any(_overlaps(c.text, unit.text) for c in chosen):
                continue
            if chosen and used + len(unit.text) > budget:
                continue
            chosen.append(unit)
            sections.add(section)
            used += len(unit.text)
        return chosen

    def _elsewhere_and_weak(self, unit: RankedUnit, first: RankedUnit) -> bool:
        """Another document is cited only when it is likely to answer by itself."""
        return unit.match.unit.doc_id != first.match.unit.doc_id and (
            unit.score < self._other_document
        )


@lru_cache(maxsize=4096)
def _unsafe(text: str) -> bool:
    """A unit that asks the reader for a password, a code or a payment is never the answer."""
    return asks_for_credentials_or_payment(text)


def _in_own_language(unit: RankedUnit, ranked: list[RankedUnit], lang: Lang) -> RankedUnit:
    """The same statement in the question's language, when a section in that language makes
    it too: a translation (close in meaning, every figure the same) reads better than a
    quote from the other language."""
    if unit.match.language == lang:
        return unit
    facts = _facts(unit.text)
    best, closeness = unit, _TRANSLATION
    for other in ranked:
        if other.match.language != lang or not facts <= _facts(other.text):
            continue
        similarity = float(unit.match.unit.vector @ other.match.unit.vector)
        if similarity >= closeness:
            best, closeness = other, similarity
    return best


def _complements(unit: RankedUnit, chosen: list[RankedUnit], asked: frozenset[str]) -> bool:
    """A weaker unit of the same document that states what the question also asks and no
    chosen unit covers ("how heavy, and how much power?": the weight row beside the power
    row)."""
    if unit.match.unit.doc_id != chosen[0].match.unit.doc_id:
        return False
    covered = set().union(*(_words(c.text) for c in chosen))
    return bool((asked & _words(unit.text)) - covered)


@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset[str]:
    """The unit's own words, without its section heading (which every unit of a section
    shares, so it would always look like new coverage)."""
    return frozenset(tokenize(text))


def _overlaps(first: str, second: str) -> bool:
    """One says nothing the other does not (a list item and its whole list)."""
    a, b = set(first.splitlines()), set(second.splitlines())
    return a <= b or b <= a


def _facts(text: str) -> set[str]:
    """Figures and addresses: what a translation must keep."""
    return set(_FACT.findall(fold(text)))

"""The offline composer: which ranked units an answer quotes, and what it cites."""

from __future__ import annotations

import datetime as dt

import numpy as np

from bot.answer.extractive import ExtractiveComposer
from bot.answer.ranking import RankedUnit, Ranking
from retrieval import Hit
from retrieval.index.lexical import tokenize
from retrieval.index.manifest import UnitRecord
from retrieval.search import UnitMatch


def _hit(doc_id: str) -> Hit:
    return Hit(
        chunk_id=f"{doc_id}::0",
        doc_id=doc_id,
        title=doc_id,
        section="Section",
        anchor="section",
        text="",
        score=1.0,
        doc_type="guideline",
        language="en",
        access="public",
        published=dt.date(2026, 1, 1),
        deadline=None,
        tender_id=None,
        tech_areas=(),
        issuer=None,
        source_url=None,
        dense_rank=1,
        lexical_rank=1,
        pinned=False,
    )


def _ranked(doc_id: str, hit: int, text: str, score: float) -> RankedUnit:
    vector = np.zeros(4, dtype=np.float32)
    unit = UnitRecord(f"{doc_id}::u0", doc_id, "Section", "section", "paragraph", text, [], vector)
    return RankedUnit(UnitMatch(unit, hit, "en", 0.9, 1.0), score)


def _ranking(units: list[RankedUnit], question: str = "") -> Ranking:
    return Ranking(units, answerable=0.9, asked=frozenset(tokenize(question)))


def _cited(first: float, second: float) -> list[str]:
    hits = [_hit("gl-first"), _hit("gl-second")]
    ranking = _ranking(
        [
            _ranked("gl-first", 0, "The grade is set by points out of 100.", first),
            _ranked("gl-second", 1, "Grades run from A to D.", second),
        ]
    )
    draft = ExtractiveComposer().compose(ranking, "en", hits)
    return [c.doc_id for c in draft.citations]


def test_another_document_is_cited_only_when_it_is_likely_to_answer_by_itself() -> None:
    assert _cited(0.9, 0.45) == ["gl-first"]
    assert _cited(0.9, 0.7) == ["gl-first", "gl-second"]


def test_nothing_scoring_far_below_the_best_unit_is_quoted() -> None:
    assert _cited(0.9, 0.3) == ["gl-first"]


def test_a_weaker_unit_stating_the_other_part_of_a_two_part_question_is_added() -> None:
    hits = [_hit("rq-module")]
    units = [
        _ranked("rq-module", 0, "Power draw: 15 W or less.", 0.9),
        _ranked("rq-module", 0, "Mass: 450 g or less.", 0.2),
        _ranked("rq-module", 0, "Interfaces: CAN bus and UART.", 0.2),
    ]
    question = "How much power may the module draw, and what mass?"
    draft = ExtractiveComposer().compose(_ranking(units, question), "en", hits)
    assert "450 g" in draft.body
    assert "CAN bus" not in draft.body

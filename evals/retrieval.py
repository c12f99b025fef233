"""Retrieval scoring: hit@1, hit@5 (hit@k) and MRR, overall and per language."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evals.questions import Question
from retrieval import Retriever
from retrieval.search import Mode
from retrieval.text import has_japanese


@dataclass(frozen=True)
class RetrievalResult:
    question: Question
    retrieved: list[str]
    hit_rank: int | None


def _language(question: Question) -> str:
    if question.lang:
        return question.lang
    return "ja" if has_japanese(question.question) else "en"


def run_retrieval_eval(
    retriever: Retriever,
    questions: list[Question],
    k: int = 5,
    mode: Mode = "hybrid",
    as_of: dt.date | None = None,
    on_question: Callable[[Question], None] | None = None,
) -> list[RetrievalResult]:
    """Questions without ``expected_sources`` are not scored (they test other things)."""
    results: list[RetrievalResult] = []
    for question in questions:
        if question.expected_sources:
            hits = retriever.search(
                question.question,
                k=k,
                audience=question.audience,
                as_of=question.as_of or as_of,
                mode=mode,
            )
            rank = next(
                (i for i, h in enumerate(hits, start=1) if question.is_hit(h.doc_id, h.anchor)),
                None,
            )
            results.append(RetrievalResult(question, [h.doc_id for h in hits], rank))
        if on_question is not None:
            on_question(question)
    return results


def score(results: list[RetrievalResult], k: int = 5) -> dict[str, Any]:
    """``hit_at_5`` is hit@k for the ``k`` searched (5 by default)."""

    def metrics(group: list[RetrievalResult]) -> dict[str, Any]:
        n = len(group)
        if n == 0:
            return {"n": 0, "hit_at_1": 0.0, "hit_at_5": 0.0, "mrr": 0.0}
        ranks = [r.hit_rank for r in group]
        return {
            "n": n,
            "hit_at_1": round(sum(1 for r in ranks if r == 1) / n, 4),
            "hit_at_5": round(sum(1 for r in ranks if r is not None and r <= k) / n, 4),
            "mrr": round(sum(1 / r for r in ranks if r is not None) / n, 4),
        }

    by_lang: dict[str, list[RetrievalResult]] = defaultdict(list)
    for result in results:
        by_lang[_language(result.question)].append(result)
    return {
        **metrics(results),
        "by_lang": {lang: metrics(g) for lang, g in sorted(by_lang.items())},
    }

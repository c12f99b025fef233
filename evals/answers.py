"""Answer-level evaluation: every question goes through the same answer engine the channels
use, in a fresh conversation seeded with the question's history."""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.answer import Answer
from evals.metrics import percentile
from evals.questions import Question
from retrieval.filters import Audience
from retrieval.text import casefold


def _norm(text: str) -> str:
    return casefold(text)


@dataclass(frozen=True)
class AnswerResult:
    question: Question
    answer: Answer
    latency_ms: float
    hit_rank: int | None
    cited: list[str]
    cites_expected: bool
    mentioned: list[bool]
    leaked: bool
    retrieved: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return (
            bool(self.question.expected_sources)
            and not _expects_escalation(self.question)
            and not _expects_decline(self.question)
        )

    @property
    def declined_cleanly(self) -> bool:
        """Declined as not a question for the desk, and nothing else: no ticket, no sources."""
        return (
            self.answer.declined
            and not self.answer.escalated
            and self.answer.ticket_id is None
            and not self.answer.citations
        )

    @property
    def passed(self) -> bool:
        """The question's overall outcome: declined cleanly when it is not a question for the
        desk; otherwise never declined, escalated when it should be, else answered with an
        expected source and every must-mention; never leaking staff-only content."""
        if self.leaked:
            return False
        if _expects_decline(self.question):
            return self.declined_cleanly
        if self.answer.declined:
            return False
        if _expects_escalation(self.question):
            return self.answer.escalated
        if self.answerable:
            return self.correct
        return not self.answer.escalated

    def to_row(self, pipeline: str) -> dict[str, Any]:
        """One line of results.jsonl."""
        q = self.question
        return {
            "id": q.id,
            "question": q.question,
            "lang": q.lang or self.answer.lang,
            "category": q.category,
            "audience": q.audience,
            "expected_sources": list(q.expected_sources),
            "must_mention": list(getattr(q, "must_mention", None) or []),
            "expect_escalation": _expects_escalation(q),
            "expect_decline": _expects_decline(q),
            "answer": self.answer.answer,
            "citations": [c.__dict__ for c in self.answer.citations],
            "cited": self.cited,
            "escalated": self.answer.escalated,
            "declined": self.answer.declined,
            "ticket_id": self.answer.ticket_id,
            "reason": self.answer.reason,
            "confidence": round(self.answer.confidence, 4),
            "retrieved": self.retrieved,
            "hit_rank": self.hit_rank,
            "latency_ms": round(self.latency_ms, 1),
            "answerable": self.answerable,
            "leaked": self.leaked,
            "mentioned": self.mentioned,
            "cites_expected": self.cites_expected,
            "passed": self.passed,
            "pipeline": pipeline,
        }

    @property
    def correct(self) -> bool:
        """Answered (not escalated), citing an expected source, mentioning what it must."""
        return (
            self.answerable
            and self.cites_expected
            and not self.answer.escalated
            and not self.answer.declined
            and all(self.mentioned)
        )


def _expects_escalation(question: Question) -> bool:
    return bool(getattr(question, "expect_escalation", False))


def _expects_decline(question: Question) -> bool:
    """Not a question for the desk (``off_topic``, ``nonsense``): the answer should decline."""
    return bool(getattr(question, "expect_decline", False))


class Pipeline(Protocol):
    """What an evaluation runs: the answer engine, or the baseline, with the same call."""

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        *,
        audience: Audience = "startup",
        as_of: dt.date | None = None,
        channel: str = "cli",
        reply_to: dict[str, Any] | None = None,
        history: Sequence[tuple[str, str]] | None = None,
    ) -> Answer: ...


def run_answer_eval(
    engine: Pipeline,
    questions: Iterable[Question],
    staff_passages: list[str],
    staff_doc_ids: set[str],
    as_of: dt.date | None = None,
    on_question: Callable[[Question], None] | None = None,
) -> list[AnswerResult]:
    results: list[AnswerResult] = []
    for question in questions:
        history = [
            (turn["role"], turn["content"]) for turn in getattr(question, "history", None) or []
        ]
        started = time.perf_counter()
        answer = engine.ask(
            question.question,
            audience=question.audience,
            as_of=question.as_of or as_of,
            channel="eval",
            history=history,
        )
        latency = (time.perf_counter() - started) * 1000
        retrieved = [r["doc_id"] for r in answer.retrieved]
        rank = next(
            (
                i
                for i, r in enumerate(answer.retrieved, start=1)
                if question.is_hit(r["doc_id"], r["url"].partition("#")[2])
            ),
            None,
        )
        cited = [c.doc_id for c in answer.citations]
        expected_docs = {s.partition("#")[0] for s in question.expected_sources}
        text = _norm(answer.answer)
        must = getattr(question, "must_mention", None) or []
        leaked = question.audience == "startup" and (
            bool(set(cited) & staff_doc_ids) or any(_norm(p) in text for p in staff_passages)
        )
        results.append(
            AnswerResult(
                question=question,
                answer=answer,
                latency_ms=latency,
                hit_rank=rank,
                cited=cited,
                cites_expected=bool(set(cited) & expected_docs),
                mentioned=[_norm(m) in text for m in must],
                leaked=leaked,
                retrieved=retrieved,
            )
        )
        if on_question is not None:
            on_question(question)
    return results


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 0.0


def handoff_figures(results: list[AnswerResult]) -> dict[str, float]:
    """The escalation targets: answerable questions answered with an expected source (and not
    escalated), answerable questions escalated, and questions that should reach a person."""
    answerable = [r for r in results if r.answerable]
    expects = [r for r in results if _expects_escalation(r.question)]
    return {
        "answerable_cite_expected": _ratio(
            sum(r.cites_expected and not r.answer.escalated for r in answerable), len(answerable)
        ),
        "answerable_escalated": _ratio(
            sum(r.answer.escalated for r in answerable), len(answerable)
        ),
        "must_escalate_escalated": _ratio(sum(r.answer.escalated for r in expects), len(expects)),
        "startup_leaks": float(sum(r.leaked for r in results)),
    }


def summarize(results: list[AnswerResult]) -> dict[str, Any]:
    """The metrics of summary.json, overall and per category and language (the names and
    their order are :data:`evals.metrics.METRICS`, after ``n``)."""

    def metrics(group: list[AnswerResult]) -> dict[str, Any]:
        with_sources = [r for r in group if r.question.expected_sources]
        answerable = [r for r in group if r.answerable]
        expects = [r for r in group if _expects_escalation(r.question)]
        expects_decline = [r for r in group if _expects_decline(r.question)]
        others = [r for r in group if not _expects_decline(r.question)]
        handoff = handoff_figures(group)
        escalated = [r for r in group if r.answer.escalated]
        true_escalations = [r for r in escalated if _expects_escalation(r.question)]
        cited_with_sources = [d for r in with_sources for d in r.cited]
        expected_hits = sum(
            1
            for r in with_sources
            for d in r.cited
            if d in {s.partition("#")[0] for s in r.question.expected_sources}
        )
        mentions = [m for r in answerable for m in r.mentioned]
        precision = _ratio(len(true_escalations), len(escalated))
        recall = _ratio(len(true_escalations), len(expects))
        latencies = [r.latency_ms for r in group]
        return {
            "n": len(group),
            "passed": _ratio(sum(r.passed for r in group), len(group)),
            "hit_at_1": _ratio(sum(r.hit_rank == 1 for r in with_sources), len(with_sources)),
            "hit_at_5": _ratio(
                sum(r.hit_rank is not None and r.hit_rank <= 5 for r in with_sources),
                len(with_sources),
            ),
            "mrr": round(
                sum(1 / r.hit_rank for r in with_sources if r.hit_rank) / len(with_sources), 4
            )
            if with_sources
            else 0.0,
            "citation_precision": _ratio(expected_hits, len(cited_with_sources)),
            "must_mention_recall": _ratio(sum(mentions), len(mentions)),
            "escalation_precision": precision,
            "escalation_recall": recall,
            "escalation_f1": round(2 * precision * recall / (precision + recall), 4)
            if precision + recall
            else 0.0,
            "answerable_escalated": handoff["answerable_escalated"],
            "must_escalate_escalated": handoff["must_escalate_escalated"],
            "off_topic_declined": _ratio(
                sum(
                    r.answer.declined and not r.answer.escalated and r.answer.ticket_id is None
                    for r in expects_decline
                ),
                len(expects_decline),
            ),
            "declined_wrongly": _ratio(sum(r.answer.declined for r in others), len(others)),
            "leaks": sum(r.leaked for r in group),
            "latency_p50_ms": round(percentile(latencies, 0.50), 1),
            "latency_p95_ms": round(percentile(latencies, 0.95), 1),
        }

    by_category: dict[str, list[AnswerResult]] = defaultdict(list)
    by_lang: dict[str, list[AnswerResult]] = defaultdict(list)
    for result in results:
        by_category[result.question.category].append(result)
        # The question's language, as in results.jsonl (a declined message may be answered
        # in English whatever it was written in).
        by_lang[result.question.lang or result.answer.lang].append(result)
    return {
        **metrics(results),
        "by_category": {k: metrics(v) for k, v in sorted(by_category.items())},
        "by_lang": {k: metrics(v) for k, v in sorted(by_lang.items())},
    }

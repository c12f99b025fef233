"""The confidence threshold's trade-off, measured: for each candidate threshold, how many
answerable questions are answered correctly, how many are escalated needlessly, and how many
questions that should reach a person do."""

from __future__ import annotations

from dataclasses import dataclass

from bot.escalation.policy import LOW_CONFIDENCE
from evals.answers import AnswerResult, _expects_escalation

THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(0, 17))


@dataclass(frozen=True)
class CurvePoint:
    lang: str
    threshold: float
    answered_correctly: float
    answerable_escalated: float
    escalation_recall: float


def curve(results: list[AnswerResult]) -> list[CurvePoint]:
    """``results`` must come from a run whose policy never escalates on confidence (threshold
    0), so each question's confidence can be replayed against every threshold."""
    points: list[CurvePoint] = []
    for lang in sorted({r.answer.lang for r in results}):
        group = [r for r in results if r.answer.lang == lang]
        answerable = [r for r in group if r.answerable]
        expects = [r for r in group if _expects_escalation(r.question)]
        for threshold in THRESHOLDS:

            def escalated(result: AnswerResult, t: float = threshold) -> bool:
                by_policy = result.answer.escalated and result.answer.reason != LOW_CONFIDENCE
                return by_policy or result.answer.confidence < t

            points.append(
                CurvePoint(
                    lang=lang,
                    threshold=threshold,
                    answered_correctly=_share(
                        [r.cites_expected and not escalated(r) for r in answerable]
                    ),
                    answerable_escalated=_share([escalated(r) for r in answerable]),
                    escalation_recall=_share([escalated(r) for r in expects]),
                )
            )
    return points


def _share(flags: list[bool]) -> float:
    return round(sum(flags) / len(flags), 3) if flags else 0.0

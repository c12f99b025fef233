"""The escalation policy, read from ``policy.yaml``: one place that says when a question goes
to a person and why."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

POLICY_FILE = Path(__file__).with_name("policy.yaml")

LOW_CONFIDENCE = "low_confidence"
NEGATIVE_FEEDBACK = "repeated_negative_feedback"
USER_REQUEST = "asked_for_person"


@dataclass(frozen=True)
class Decision:
    escalate: bool
    reason: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Trigger:
    reason: str
    detail: str
    patterns: tuple[re.Pattern[str], ...]


class EscalationPolicy:
    def __init__(
        self,
        confidence_thresholds: dict[str, float],
        negative_feedback_limit: int,
        triggers: list[Trigger],
        audiences: frozenset[str] = frozenset({"startup"}),
    ) -> None:
        self.confidence_thresholds = confidence_thresholds
        self.audiences = audiences
        self.negative_feedback_limit = negative_feedback_limit
        self.triggers = triggers

    @classmethod
    def from_file(cls, path: Path = POLICY_FILE) -> EscalationPolicy:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        triggers = [
            Trigger(
                reason=t["reason"],
                detail=t["detail"],
                patterns=tuple(re.compile(p, re.IGNORECASE) for p in t["patterns"]),
            )
            for t in data["triggers"]
        ]
        thresholds = {lang: float(v) for lang, v in data["confidence_threshold"].items()}
        return cls(
            thresholds,
            int(data["negative_feedback_limit"]),
            triggers,
            frozenset(data.get("audiences", ["startup"])),
        )

    def threshold(self, lang: str) -> float:
        return self.confidence_thresholds.get(lang, max(self.confidence_thresholds.values()))

    def before_answering(self, question: str) -> Decision:
        """Matters a person must handle whatever the documents say."""
        text = unicodedata.normalize("NFKC", question).lower()
        for trigger in self.triggers:
            if any(pattern.search(text) for pattern in trigger.patterns):
                return Decision(True, trigger.reason, trigger.detail)
        return Decision(False)

    def after_answering(self, confidence: float, lang: str, negative_feedback: int) -> Decision:
        """No grounded answer, or a conversation that keeps going wrong."""
        if negative_feedback >= self.negative_feedback_limit:
            return Decision(
                True,
                NEGATIVE_FEEDBACK,
                f"{negative_feedback} negative ratings in this conversation.",
            )
        if confidence < self.threshold(lang):
            return Decision(
                True,
                LOW_CONFIDENCE,
                f"Confidence {confidence:.2f} is below {self.threshold(lang):.2f}: "
                "the documents do not answer this clearly.",
            )
        return Decision(False)


@lru_cache(maxsize=1)
def default_policy() -> EscalationPolicy:
    return EscalationPolicy.from_file()

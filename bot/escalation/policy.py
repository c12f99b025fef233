"""The escalation policy, read from ``policy.yaml``: one place that says when a question goes
to a person and why. The judgements it combines (sensitive matter, answerable or not) are
learned elsewhere; this module only turns them into a decision with a reason staff can read."""

from __future__ import annotations

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


class EscalationPolicy:
    def __init__(
        self,
        negative_feedback_limit: int,
        sensitive: dict[str, tuple[str, str]],
        audiences: frozenset[str] = frozenset({"startup"}),
    ) -> None:
        self.negative_feedback_limit = negative_feedback_limit
        self.sensitive = sensitive
        self.audiences = audiences

    @classmethod
    def from_file(cls, path: Path = POLICY_FILE) -> EscalationPolicy:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        sensitive = {
            kind: (str(entry["reason"]), str(entry["detail"]))
            for kind, entry in data["sensitive"].items()
        }
        return cls(
            int(data["negative_feedback_limit"]),
            sensitive,
            frozenset(data.get("audiences", ["startup"])),
        )

    def decide(
        self,
        *,
        audience: str,
        sensitive_kind: str | None,
        grounded: bool,
        negative_feedback: int,
        missing: str = "",
    ) -> Decision:
        """Sensitive matters first (whatever the documents say), then a conversation that
        keeps going wrong, then a question the documents do not answer."""
        if audience not in self.audiences:
            return Decision(False)
        if sensitive_kind is not None:
            reason, detail = self.sensitive.get(
                sensitive_kind, (sensitive_kind, "A matter only staff can handle.")
            )
            return Decision(True, reason, detail)
        if negative_feedback >= self.negative_feedback_limit:
            return Decision(
                True,
                NEGATIVE_FEEDBACK,
                f"{negative_feedback} negative ratings in this conversation.",
            )
        if not grounded:
            return Decision(
                True,
                LOW_CONFIDENCE,
                missing or "The documents do not answer this clearly.",
            )
        return Decision(False)


@lru_cache(maxsize=1)
def default_policy() -> EscalationPolicy:
    return EscalationPolicy.from_file()

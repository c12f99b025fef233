"""The escalation policy on its own: which judgement wins, and what staff read on the ticket."""

from __future__ import annotations

import pytest

from bot.escalation.policy import (
    LOW_CONFIDENCE,
    NEGATIVE_FEEDBACK,
    USER_REQUEST,
    Decision,
    EscalationPolicy,
    default_policy,
)


@pytest.fixture
def policy() -> EscalationPolicy:
    return default_policy()


def decide(policy: EscalationPolicy, **overrides: object) -> Decision:
    judgement: dict[str, object] = {
        "audience": "startup",
        "sensitive_kind": None,
        "grounded": True,
        "negative_feedback": 0,
    }
    judgement.update(overrides)
    return policy.decide(**judgement)  # type: ignore[arg-type]


def test_a_grounded_question_stays_with_the_assistant(policy: EscalationPolicy) -> None:
    assert decide(policy) == Decision(False)


def test_a_sensitive_matter_goes_to_staff_even_when_the_documents_answer(
    policy: EscalationPolicy,
) -> None:
    decision = decide(policy, sensitive_kind="commitment")
    assert (decision.escalate, decision.reason) == (True, "contract_commitment")
    assert decision.detail and "commitment" in decision.detail.lower()


def test_a_request_for_a_person_is_recorded_as_such(policy: EscalationPolicy) -> None:
    assert decide(policy, sensitive_kind="person").reason == USER_REQUEST


def test_an_unknown_kind_still_escalates_with_a_generic_reason(policy: EscalationPolicy) -> None:
    decision = decide(policy, sensitive_kind="new_kind")
    assert (decision.escalate, decision.reason) == (True, "new_kind")


def test_a_sensitive_matter_outranks_negative_feedback_and_missing_answers(
    policy: EscalationPolicy,
) -> None:
    decision = decide(policy, sensitive_kind="dispute", grounded=False, negative_feedback=9)
    assert decision.reason == "dispute"


def test_repeated_thumbs_down_hand_the_conversation_over_at_the_limit(
    policy: EscalationPolicy,
) -> None:
    limit = policy.negative_feedback_limit
    assert not decide(policy, negative_feedback=limit - 1).escalate
    assert decide(policy, negative_feedback=limit).reason == NEGATIVE_FEEDBACK


def test_an_unanswered_question_says_what_is_missing(policy: EscalationPolicy) -> None:
    plain = decide(policy, grounded=False)
    specific = decide(policy, grounded=False, missing="No document found speaks of FY2029.")
    assert (plain.reason, specific.reason) == (LOW_CONFIDENCE, LOW_CONFIDENCE)
    assert specific.detail == "No document found speaks of FY2029."


def test_staff_asking_are_never_handed_over(policy: EscalationPolicy) -> None:
    assert decide(policy, audience="staff", sensitive_kind="person", grounded=False) == Decision(
        False
    )

"""Quality gates: a regression in retrieval or answers fails the build like a failing test.
The numbers live in evals/thresholds.toml; raise them as the assistant improves."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.services import make_answer_engine
from bot.store import Store
from evals.answers import handoff_figures, run_answer_eval, summarize
from evals.questions import load_questions
from evals.retrieval import run_retrieval_eval, score
from evals.run import staff_only_content
from retrieval import KnowledgeBase, Retriever
from tests.conftest import REPO

GATES: dict[str, Any] = tomllib.loads((REPO / "evals" / "thresholds.toml").read_text())

pytestmark = pytest.mark.slow


def test_retrieval_meets_its_gates(bundled_retriever: Retriever) -> None:
    gates = GATES["retrieval"]
    questions = load_questions([REPO / gates["questions"]])
    summary = score(run_retrieval_eval(bundled_retriever, questions, k=5))
    for metric in ("hit_at_1", "hit_at_5", "mrr"):
        assert summary[metric] >= gates[metric], (metric, summary)


def test_answers_on_the_fixed_subset_meet_their_gates(
    bundled_settings: Settings, bundled_kb: KnowledgeBase, tmp_path: Path
) -> None:
    gates = GATES["answers"]
    questions = load_questions([REPO / gates["questions"]])[:: gates["sample_every"]]
    staff_passages, staff_ids = staff_only_content(bundled_kb)
    with Store(f"sqlite:///{tmp_path / 'gate.sqlite3'}") as store:
        engine = make_answer_engine(bundled_settings, bundled_kb, store)
        results = run_answer_eval(engine, questions, staff_passages, staff_ids)
    summary, handoff = summarize(results), handoff_figures(results)
    assert summary["leaks"] <= gates["max_leaks"], summary
    assert handoff["answerable_escalated"] <= gates["max_answerable_escalated"], handoff
    for target in ("answerable_cite_expected", "must_escalate_escalated"):
        assert handoff[target] >= gates[target], (target, handoff)
    for metric in (
        "hit_at_5",
        "citation_precision",
        "must_mention_recall",
        "escalation_precision",
        "escalation_recall",
    ):
        assert summary[metric] >= gates[metric], (metric, summary)

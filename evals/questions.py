"""Question sets: JSONL, one object per line. Only ``id`` and ``question`` are required, and
unknown fields are kept, so files written for later formats stay readable."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class QuestionSetError(Exception):
    """A question file that cannot be read, with the file and line."""


class Question(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    lang: Literal["en", "ja"] | None = None
    expected_sources: tuple[str, ...] = ()
    as_of: dt.date | None = None
    audience: Literal["startup", "staff"] = "startup"
    category: str = "uncategorized"

    def is_hit(self, doc_id: str, anchor: str) -> bool:
        """``doc-id`` matches any chunk of the document; ``doc-id#anchor`` only that section."""
        for source in self.expected_sources:
            expected_doc, _, expected_anchor = source.partition("#")
            if expected_doc == doc_id and (not expected_anchor or expected_anchor == anchor):
                return True
        return False


def load_questions(paths: Iterable[Path]) -> list[Question]:
    questions: list[Question] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise QuestionSetError(f"{path}: cannot read ({exc.strerror})") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                questions.append(Question.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as exc:
                raise QuestionSetError(f"{path}:{number}: {exc}") from exc
    return questions

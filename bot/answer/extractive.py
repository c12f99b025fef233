"""The offline composer: answer with the sentences of the top passages that best answer the
question, each followed by its citation marker. It never writes a claim of its own, so
everything it says is grounded by construction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.answer.citations import resolve_markers
from bot.answer.language import phrase
from bot.answer.models import Citation, Lang
from retrieval import Hit
from retrieval.index.embeddings import Embedder
from retrieval.index.lexical import tokenize

_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+(?=[A-Z0-9「(\"'])")
_MARKUP = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|#+\s+|>\s*)|\*\*|__|`")
_MIN_CHARS = {"en": 25, "ja": 10}


@dataclass(frozen=True)
class Sentence:
    text: str
    passage: int
    position: int


@dataclass(frozen=True)
class Draft:
    """A composed answer before framing: body with markers, citations, and how sure we are."""

    body: str
    citations: list[Citation]
    confidence: float
    best_similarity: float


def split_sentences(hit: Hit, passage: int) -> list[Sentence]:
    """Sentences of a passage, markup stripped; fragments too short to stand alone dropped."""
    sentences: list[Sentence] = []
    minimum = _MIN_CHARS.get(hit.language, 20)
    for line in hit.text.splitlines():
        line = _MARKUP.sub("", line).strip()
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            if len(piece) >= minimum and not piece.startswith("|"):
                sentences.append(Sentence(piece, passage, len(sentences)))
    return sentences


class ExtractiveComposer:
    """Scores sentences by embedding similarity to the question, plus a small bonus for shared
    words and for the passage's rank, then keeps the best few."""

    def __init__(
        self,
        embedder: Embedder,
        passages: int = 4,
        max_sentences: int = 3,
        margin: float = 0.025,
        low: float = 0.80,
        high: float = 0.90,
    ) -> None:
        self._embedder = embedder
        self._passages = passages
        self._max_sentences = max_sentences
        self._margin = margin
        self._low, self._high = low, high

    def compose(self, question: str, lang: Lang, hits: Sequence[Hit]) -> Draft:
        candidates = self._candidates(hits)
        if not candidates:
            return Draft("", [], 0.0, 0.0)
        query = self._embedder.embed_queries([question])[0]
        vectors = self._embedder.embed_passages([s.text for s in candidates])
        similarity = vectors @ query
        query_tokens = set(tokenize(question))
        scores = [
            float(sim) + 0.03 * _overlap(query_tokens, s.text) - 0.005 * s.passage
            for sim, s in zip(similarity, candidates, strict=True)
        ]
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        best = scores[order[0]]
        chosen = [i for i in order if scores[i] >= best - self._margin][: self._max_sentences]
        chosen.sort(key=lambda i: (candidates[i].passage, candidates[i].position))
        lines = []
        for i in chosen:
            sentence = candidates[i]
            quoted = hits[sentence.passage].language != lang
            suffix = phrase("quoted_other", lang) if quoted else ""
            lines.append(f"{sentence.text}{suffix} [{sentence.passage + 1}]")
        body, citations = resolve_markers("\n".join(lines), hits)
        best_similarity = float(similarity[order[0]])
        return Draft(body, citations, self._confidence(best_similarity), best_similarity)

    def _candidates(self, hits: Sequence[Hit]) -> list[Sentence]:
        seen: set[str] = set()
        candidates: list[Sentence] = []
        for index, hit in enumerate(hits[: self._passages]):
            for sentence in split_sentences(hit, index):
                if sentence.text not in seen:  # overlapping chunks repeat sentences
                    seen.add(sentence.text)
                    candidates.append(sentence)
        return candidates

    def _confidence(self, similarity: float) -> float:
        """Best sentence similarity, rescaled to 0..1 over the range where e5 separates
        answerable from unanswerable questions (calibrated on the development set)."""
        return float(np.clip((similarity - self._low) / (self._high - self._low), 0.0, 1.0))


def _overlap(query_tokens: set[str], text: str) -> float:
    if not query_tokens:
        return 0.0
    return len(query_tokens & set(tokenize(text))) / len(query_tokens)

"""The offline composer: answer with the sentences of the top passages that best answer the
question, each followed by its citation marker. It never writes a claim of its own, so
everything it says is grounded by construction."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.answer.answer_types import AnswerType, asked_types, is_contact_line, supplies
from bot.answer.citations import resolve_markers
from bot.answer.language import phrase
from bot.answer.models import Citation, Lang
from retrieval import Hit
from retrieval.index.embeddings import Embedder
from retrieval.index.lexical import tokenize

_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+(?=[A-Z0-9「(\"'])")
_MARKUP = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+|#+\s+|>\s*)|\*\*|__|`")
_SELECTION_CROSSING = 1.5
_CONFIDENCE_CROSSING = 1.15
_TRANSLATION = 0.85  # e5 similarity of a sentence and its translation (about 0.84-0.94)
_FACT = re.compile(r"[\w.+-]+@[\w.-]+\w|https?://\S+|\d[\d,.]*\d")
_LABELLED = re.compile(r"^[^:：;]{1,30}[:：]\s*\S.{0,40}$")
_MIN_CHARS = {"en": 25, "ja": 10}
_ABBREVIATION = re.compile(r"\b(No|Nos|Art|Arts|para|approx|e\.g|i\.e|cf|vs|Fig|pp?|Inc|Ltd|Co)\.$")
_TENDER_ENTRY = re.compile(r"^[A-Z]+-\d{4}-[A-Z]+-\d+\s*[(（][^)）]*[)）]\s*[:：]")
_DOC_ID = re.compile(r"`?\b[a-z]+(?:-[a-z0-9]+){2,}\b`?")
_BLOCK_START = re.compile(r"^([-*+]\s|\d+[.)]\s|#|>|\|)")
_CJK_END = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]$")


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
    """Sentences of a passage, markup stripped. A fragment too short to stand alone ("KESTREL
    is the reserve.") joins the sentence after it; a table row becomes one sentence naming
    its columns ("Contract type: Purchase of property; Limit: ¥3 million")."""
    sentences: list[str] = []
    minimum = _MIN_CHARS.get(hit.language, 20)
    lines = _logical_lines(hit.text)
    header: list[str] = []
    for index, line in enumerate(lines):
        if line.startswith("|"):
            cells = _cells(line)
            if _is_separator(cells):
                continue
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if following.startswith("|") and _is_separator(_cells(following)):
                header = cells
                continue
            sentences.append(
                "; ".join(
                    f"{name}: {cell}" if name else cell
                    for name, cell in itertools.zip_longest(header, cells, fillvalue="")
                    if cell
                )
            )
            continue
        header = []
        pending = ""
        for piece in _pieces(_MARKUP.sub("", line).strip()):
            piece = _join(pending, piece)
            pending = piece if len(piece) < minimum else ""
            if piece and not pending:
                sentences.append(piece)
    kept = [s for s in sentences if not _leads_elsewhere(s, minimum)]
    return [Sentence(text, passage, i) for i, text in enumerate(kept)]


def _pieces(line: str) -> list[str]:
    """Sentences of one line; "Act No. 54" is not two sentences."""
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(line):
        piece = piece.strip()
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] += " " + piece
        elif piece:
            pieces.append(piece)
    return pieces


def _leads_elsewhere(sentence: str, minimum: int) -> bool:
    """A lead-in to a list ("The contractor shall:"), a bare pointer ("詳細は tn-… を参照
    してください。") or another document's entry for a tender ("ATLA-2026-AI-009 (closed):
    …", whose status may be out of date: the notice and its metadata say) says nothing by
    itself."""
    if sentence.endswith((":", "：")) or _TENDER_ENTRY.match(sentence):
        return True
    return _DOC_ID.search(sentence) is not None and len(_DOC_ID.sub("", sentence)) < 2 * minimum


def _cells(row: str) -> list[str]:
    return [_MARKUP.sub("", cell).strip() for cell in row.strip().strip("|").split("|")]


def _is_separator(cells: list[str]) -> bool:
    return all(cell and set(cell) <= set("-: ") for cell in cells)


def _join(first: str, second: str) -> str:
    if not first:
        return second
    return first + ("" if _CJK_END.search(first) else " ") + second


def _logical_lines(text: str) -> list[str]:
    """Re-join hard-wrapped paragraph lines; list items, table rows and headings stay apart."""
    lines: list[str] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        starts_block = not stripped or _BLOCK_START.match(stripped) is not None
        if lines and lines[-1] and not starts_block:
            lines[-1] += ("" if _CJK_END.search(lines[-1]) else " ") + stripped
        else:
            lines.append(stripped)
    return [line for line in lines if line]


class ExtractiveComposer:
    """Scores sentences by embedding similarity to the question, plus small bonuses for shared
    words, for stating the kind of thing asked (a date, an amount) and for the passage's rank,
    then keeps the best few."""

    def __init__(
        self,
        embedder: Embedder,
        is_boilerplate: Callable[[str], bool] = lambda line: False,
        passages: int = 6,
        max_sentences: int = 3,
        margin: float = 0.025,
        low: float = 0.80,
        high: float = 0.90,
        untyped_penalty: float = 0.04,
        typed_lift: float = 0.015,
        typed_bonus: float = 0.01,
    ) -> None:
        self._embedder = embedder
        self._is_boilerplate = is_boilerplate
        self._passages = passages
        self._max_sentences = max_sentences
        self._margin = margin
        self._low, self._high = low, high
        self._untyped_penalty = untyped_penalty
        self._typed_lift = typed_lift
        self._typed_bonus = typed_bonus
        self._rank_penalty = 0.005

    def compose(
        self,
        question: str,
        lang: Lang,
        hits: Sequence[Hit],
        kinds: frozenset[AnswerType] | None = None,
    ) -> Draft:
        """``kinds`` is what the user asked for, when ``question`` is a search query rewritten
        from it (a follow-up carrying the previous topic asks what the follow-up asks)."""
        kinds = asked_types(question) if kinds is None else kinds
        candidates = [
            s for s in self._candidates(hits) if "contact" in kinds or not is_contact_line(s.text)
        ]
        if not candidates:
            return Draft("", [], 0.0, 0.0)
        query = self._embedder.embed_queries([question])[0]
        vectors = self._embedder.embed_passages(
            [_in_context(s, hits[s.passage]) for s in candidates]
        )
        # e5 keeps languages further apart on a sentence than on a passage, so the embedder's
        # passage-level offset is scaled up: more for choosing the sentences (a Japanese
        # question's answer is often in an English notice), less for judging confidence.
        # Tuned on answers_dev, checked on retrieval_dev.
        crossing = self._embedder.cross_language_offset * np.array(
            [hits[s.passage].language != lang for s in candidates]
        )
        raw = vectors @ query
        similarity = raw + _CONFIDENCE_CROSSING * crossing
        selection = raw + _SELECTION_CROSSING * crossing
        query_tokens = set(tokenize(question))
        typed = np.array([not kinds or supplies(s.text, kinds) for s in candidates])
        scores = [
            float(sim)
            + 0.03 * _overlap(query_tokens, s.text)
            + (self._typed_bonus if kinds and is_typed else 0.0)
            - self._rank_penalty * s.passage
            for sim, s, is_typed in zip(selection, candidates, typed, strict=True)
        ]
        order = sorted(range(len(candidates)), key=lambda i: -scores[i])
        best = scores[order[0]]
        chosen = [i for i in order if scores[i] >= best - self._margin][: self._max_sentences]
        chosen = list(
            dict.fromkeys(self._in_own_language(i, candidates, vectors, hits, lang) for i in chosen)
        )
        chosen.sort(key=lambda i: (candidates[i].passage, candidates[i].position))
        lines = []
        for i in chosen:
            sentence = candidates[i]
            quoted = hits[sentence.passage].language != lang
            suffix = phrase("quoted_other", lang) if quoted else ""
            lines.append(f"{sentence.text}{suffix} [{sentence.passage + 1}]")
        body, citations = resolve_markers("\n".join(lines), hits)
        # What the question asks for weighs on how sure we are. Asked "how much?", a sentence
        # stating no amount is weak evidence however close its wording; asked "when?", one
        # stating a date is stronger. (Plain numbers are too common to judge this way.)
        support = similarity.copy()
        if "amount" in kinds:
            support -= self._untyped_penalty * ~typed
        if "date" in kinds:
            support += self._typed_lift * typed
        best_similarity = float(support.max())
        return Draft(body, citations, self._confidence(best_similarity), best_similarity)

    @staticmethod
    def _in_own_language(
        index: int,
        candidates: list[Sentence],
        vectors: npt.NDArray[np.float32],
        hits: Sequence[Hit],
        lang: Lang,
    ) -> int:
        """The same statement in the question's language, when a passage in that language
        makes it too: a translation (close in meaning, every address and figure the same) reads
        better than a quote from the other language."""
        if hits[candidates[index].passage].language == lang:
            return index
        facts = _facts(candidates[index].text)
        same = [
            j
            for j, s in enumerate(candidates)
            if hits[s.passage].language == lang and facts <= _facts(s.text)
        ]
        closeness = {j: float(vectors[index] @ vectors[j]) for j in same}
        best = max(closeness, key=closeness.__getitem__, default=None)
        return best if best is not None and closeness[best] >= _TRANSLATION else index

    def _candidates(self, hits: Sequence[Hit]) -> list[Sentence]:
        seen: set[str] = set()
        candidates: list[Sentence] = []
        for index, hit in enumerate(hits[: self._passages]):
            for sentence in split_sentences(hit, index):
                if self._is_boilerplate(sentence.text):
                    continue
                if sentence.text not in seen:  # overlapping chunks repeat sentences
                    seen.add(sentence.text)
                    candidates.append(sentence)
        return candidates

    def _confidence(self, similarity: float) -> float:
        """Best sentence similarity, rescaled to 0..1 over the range where e5 separates
        answerable from unanswerable questions (calibrated on the development set)."""
        return float(np.clip((similarity - self._low) / (self._high - self._low), 0.0, 1.0))


def _in_context(sentence: Sentence, hit: Hit) -> str:
    """A label-and-value line ("Hearings: late March 2027") means little without its heading."""
    if _LABELLED.match(sentence.text) and hit.section:
        return f"{hit.section}: {sentence.text}"
    return sentence.text


def _facts(text: str) -> set[str]:
    return set(_FACT.findall(unicodedata.normalize("NFKC", text).lower()))


def _overlap(query_tokens: set[str], text: str) -> float:
    if not query_tokens:
        return 0.0
    return len(query_tokens & set(tokenize(text))) / len(query_tokens)

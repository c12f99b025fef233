"""Which evidence units answer the question, and whether any does.

Each unit of the retrieved sections is scored by a linear ranker over a few features (fitted
on pairs of units of the same question, then calibrated to a probability):
dense similarity (from vectors stored at ingestion), BM25 of the question's words within the
unit (and, in a unit of the other language, of its words read in English), whether it
states the kind of thing asked (a date, an amount, a count, a duration, a place, a form, an
office), whether its document is the one the question names (a tender number), the rank of
its section, its language and kind. A second model reads the ranking as a whole (how good
the best unit is, how far ahead, how much of the question it covers) and says whether the
documents answer at all. Both are fitted per embedder on labelled
questions (``make fit``), never tuned by hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.answer.answer_types import AnswerType, is_contact_line, supplies
from bot.answer.fitted import LinearModel
from bot.answer.text_features import surface
from retrieval.crossing import english_side, english_words
from retrieval.index.lexical import tokenize
from retrieval.search import UnitMatch
from retrieval.text import HYPHENATED_ID

#: The cross-language offset is scaled up for units: e5 keeps languages further apart on a
#: short text than on a passage.
UNIT_CROSSING = 1.5

UNIT_FEATURES = (
    "similarity",
    "similarity_gap",
    "similarity_lift",
    "cross_language_gap",
    "crossing_coverage",
    "crossing_lexical",
    "lexical",
    "lexical_share",
    "coverage",
    "rare_coverage",
    "typed",
    "untyped",
    "contact_unasked",
    "named",
    "section_rank",
    "same_language",
    "row",
    "list",
    "fields",
    "length",
)
ANSWERABLE_FEATURES = (
    "best",
    "second",
    "best_similarity",
    "best_lift",
    "best_lexical",
    "best_coverage",
    "top_coverage",
    "best_rare_coverage",
    "top_rare_coverage",
    "top_crossing",
    "rarest_missing",
    "best_same_language",
    "typed",
    "asked",
    "japanese",
)
Rarity = Callable[[Sequence[str]], list[float]]
#: The question's n-grams close the answerability features, this many columns, unstandardised
#: and weighted (held-out AUC a plateau over 10-30; the least that keeps it, so that the
#: question's wording does not outvote what the ranking found: see ``evals.fit``).
SURFACE_WIDTH = surface(["?"]).shape[1]
SURFACE_WEIGHT = 10.0


@dataclass(frozen=True)
class RankedUnit:
    match: UnitMatch
    score: float  # probability that the unit answers the question

    @property
    def text(self) -> str:
        return self.match.unit.text


@dataclass(frozen=True)
class Ranking:
    units: list[RankedUnit]  # best first
    answerable: float  # probability that the best units answer the question
    asked: frozenset[str] = frozenset()  # the question's lexical tokens


def unit_features(
    question: str,
    lang: str,
    kinds: frozenset[AnswerType],
    matches: Sequence[UnitMatch],
    crossing: float,
    rarity: Rarity,
) -> npt.NDArray[np.float64]:
    """One row per unit, columns as in ``UNIT_FEATURES``."""
    if not matches:
        return np.zeros((0, len(UNIT_FEATURES)))
    query_list = sorted(set(tokenize(question)))
    weights = dict(zip(query_list, rarity(query_list), strict=True))
    total_weight = sum(weights.values())
    similarity = np.array(
        [m.similarity + (UNIT_CROSSING * crossing if m.language != lang else 0.0) for m in matches]
    )
    lexical = np.array([m.lexical for m in matches])
    top_lexical = lexical.max()
    query_tokens = set(query_list)
    words = _weighted_words(question, rarity)
    named = _references(question)
    rows = []
    for i, match in enumerate(matches):
        other_language = match.language != lang
        typed = bool(kinds) and supplies(match.unit.text, kinds)
        unit_tokens = set(match.unit.tokens)
        rows.append(
            [
                similarity[i],
                similarity[i] - similarity.max(),
                similarity[i] - match.typical,
                # Across languages no word is shared: closeness is all there is to go by.
                (similarity[i] - similarity.max()) if other_language else 0.0,
                _crossing(match, words) if other_language else 0.0,
                np.log1p(match.crossing),
                np.log1p(lexical[i]),
                lexical[i] / top_lexical if top_lexical > 0 else 0.0,
                len(query_tokens & unit_tokens) / len(query_tokens) if query_tokens else 0.0,
                sum(weights[t] for t in query_tokens & unit_tokens) / total_weight
                if total_weight > 0
                else 0.0,
                float(typed),
                float(bool(kinds) and not typed),
                float("contact" not in kinds and is_contact_line(match.unit.text)),
                float(any(r in match.unit.doc_id.lower() for r in named)),
                1.0 / (1.0 + match.hit),
                float(not other_language),
                float(match.unit.kind == "row"),
                float(match.unit.kind == "list"),
                float(match.unit.kind == "fields"),
                np.log1p(len(match.unit.text)) / 6.0,
            ]
        )
    return np.asarray(rows, dtype=np.float64)


def _references(question: str) -> list[str]:
    """The references the question names, as a document id would spell them: a unit of the
    named tender's own notice, not a list that mentions it in passing, states its details."""
    return [
        r
        for r in HYPHENATED_ID.findall(question.lower())
        if any(c.isdigit() for c in r) and any(c.isalpha() for c in r)
    ]


def _weighted_words(question: str, rarity: Rarity) -> list[tuple[frozenset[str], float]]:
    """The question's words in English, each weighted by its rarest gloss the documents use
    (a gloss no document uses, "roan" for ローン, carries no weight: it can match nothing)."""
    words = english_words(question)
    glosses = sorted(set().union(*words))
    weight = dict(zip(glosses, rarity(glosses), strict=True))
    weighted = [(w, max((weight[g] for g in w if weight[g] < 1.0), default=0.0)) for w in words]
    return [(w, x) for w, x in weighted if x > 0]


def _english_reading(match: UnitMatch) -> frozenset[str]:
    if match.language == "ja":
        return english_side(f"{match.unit.section}\n{match.unit.text}")
    return frozenset(match.unit.tokens)


def _crossing(match: UnitMatch, words: list[tuple[frozenset[str], float]]) -> float:
    """How much of the question, read in English, an other-language unit states."""
    total = sum(x for _, x in words)
    if total <= 0:
        return 0.0
    unit = _english_reading(match)
    return sum(x for w, x in words if w & unit) / total


def stating_scores(
    unit_model: LinearModel, features: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The units' scores without the credit for being the named document's: whether the
    documents answer depends on what the units state, not on which notice they come from (a
    question on a detail the named tender's notice never gives is still unanswered)."""
    if len(features) == 0:
        return np.zeros(0)
    stating = features.copy()
    stating[:, UNIT_FEATURES.index("named")] = 0.0
    return unit_model.positive(stating)


def answerable_features(
    question: str,
    lang: str,
    kinds: frozenset[AnswerType],
    matches: Sequence[UnitMatch],
    features: npt.NDArray[np.float64],
    scores: npt.NDArray[np.float64],
    rarity: Rarity,
    vector: npt.NDArray[np.float32],
) -> npt.NDArray[np.float64]:
    """The ranking as a whole, columns as in ``ANSWERABLE_FEATURES``, then what kind of
    question it is ("who won…?", 「駐車場は？」 are rarely in guidance): its vector and its
    surface n-grams, last. The n-grams carry to corpora the model never saw (held-out-corpus
    AUC 0.837 → 0.851, and 0.883 with the n-grams weighted rather than standardised)."""
    question_kind = np.hstack(
        [np.asarray(vector, dtype=np.float64).reshape(1, -1), SURFACE_WEIGHT * surface([question])]
    )
    query_list = sorted(set(tokenize(question)))
    weights = rarity(query_list)
    if len(scores) == 0:
        missing = max(weights, default=0.0)
        row = [0.0] * 10 + [missing, 0.0, 0.0, float(bool(kinds)), float(lang == "ja")]
        return np.hstack([np.array([row], dtype=np.float64), question_kind])
    order = np.argsort(-scores)
    best = order[0]
    top = order[:3]
    column = {name: i for i, name in enumerate(UNIT_FEATURES)}
    seen = {t for i in top for t in matches[i].unit.tokens}
    missing = max((w for t, w in zip(query_list, weights, strict=True) if t not in seen), default=0)
    if lang == "ja":
        # Read in English, a word the best units state in English is not missing.
        stated = seen.union(*(_english_reading(matches[i]) for i in top))
        words = _weighted_words(question, rarity)
        missing = min(missing, max((x for w, x in words if not w & stated), default=0))
    whole = np.array(
        [
            [
                scores[best],
                scores[order[1]] if len(order) > 1 else 0.0,
                features[:, column["similarity"]].max(),
                features[:, column["similarity_lift"]].max(),
                features[best, column["lexical"]],
                features[best, column["coverage"]],
                features[top, column["coverage"]].max(),
                features[best, column["rare_coverage"]],
                features[top, column["rare_coverage"]].max(),
                features[top, column["crossing_coverage"]].max(),
                missing,
                features[best, column["same_language"]],
                features[best, column["typed"]],
                float(bool(kinds)),
                float(lang == "ja"),
            ]
        ],
        dtype=np.float64,
    )
    return np.hstack([whole, question_kind])


class UnitRanker:
    def __init__(
        self,
        unit_model: LinearModel,
        answerable_model: LinearModel,
        rarity: Rarity,
        vectorize: Callable[[str], npt.NDArray[np.float32]],
    ) -> None:
        self._unit = unit_model
        self._answerable = answerable_model
        self._rarity = rarity
        self._vectorize = vectorize

    @property
    def answerable_threshold(self) -> float:
        return self._answerable.threshold

    def rank(
        self,
        question: str,
        lang: str,
        kinds: frozenset[AnswerType],
        matches: Sequence[UnitMatch],
        crossing: float,
    ) -> Ranking:
        features = unit_features(question, lang, kinds, matches, crossing, self._rarity)
        scores = self._unit.positive(features) if len(matches) else np.zeros(0)
        whole = answerable_features(
            question,
            lang,
            kinds,
            matches,
            features,
            stating_scores(self._unit, features),
            self._rarity,
            self._vectorize(question),
        )
        answerable = float(self._answerable.positive(whole)[0])
        order = np.argsort(-scores, kind="stable")
        return Ranking(
            [RankedUnit(matches[i], float(scores[i])) for i in order],
            answerable,
            frozenset(tokenize(question)),
        )

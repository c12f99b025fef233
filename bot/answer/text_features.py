"""The features every question classifier reads: the bundled embedder's vector of the text
(meaning, in both languages) beside hashed character n-grams (the surface: particles such as
「その」, a lone "?", an emoji). Both are fixed functions of the text, so the same features
are computed at fitting and at answering time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import HashingVectorizer

from retrieval.index.lexical import tokenize
from retrieval.text import nfkc

NGRAM_FEATURES = 2**12
#: The embedding's share of the features beside the n-grams (chosen on the development sets).
EMBEDDING_WEIGHT = 3.0
Vectorize = Callable[[Sequence[str]], npt.NDArray[np.float32]]


@lru_cache(maxsize=1)
def _hasher() -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 3),
        n_features=NGRAM_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=True,
    )


def normalise(text: str) -> str:
    return nfkc(text).strip()


def surface(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """Hashed character n-grams, plus how much content the text carries (content tokens,
    characters), on a log scale."""
    normalised = [normalise(t) for t in texts]
    grams = _hasher().transform(normalised).toarray()
    sizes = np.array(
        [[np.log1p(len(tokenize(t))), np.log1p(len(t)) / 5.0] for t in normalised],
        dtype=np.float64,
    )
    return np.hstack([grams, sizes])


def text_features(texts: Sequence[str], vectorize: Vectorize) -> npt.NDArray[np.float64]:
    """One row per text: embedding, then surface features."""
    if not texts:
        return np.zeros((0, 0))
    vectors = np.asarray(vectorize([normalise(t) or "?" for t in texts]), dtype=np.float64)
    return np.hstack([EMBEDDING_WEIGHT * vectors, surface(texts)])


def follow_up_features(
    texts: Sequence[str],
    previous: Sequence[str],
    vectorize: Vectorize,
) -> npt.NDArray[np.float64]:
    """A message's features beside how close it is to the previous question: a follow-up
    leans on the earlier topic without restating it."""
    own = text_features(texts, vectorize)
    dims = own.shape[1] - surface(["x"]).shape[1]
    before = np.asarray(vectorize([normalise(p) or "?" for p in previous]), dtype=np.float64)
    closeness = np.sum(own[:, :dims] * before, axis=1, keepdims=True) / EMBEDDING_WEIGHT
    overlap = np.array(
        [[_overlap(t, p)] for t, p in zip(texts, previous, strict=True)], dtype=np.float64
    )
    return np.hstack([own, closeness, overlap])


def _overlap(text: str, previous: str) -> float:
    tokens = set(tokenize(text))
    return len(tokens & set(tokenize(previous))) / len(tokens) if tokens else 0.0

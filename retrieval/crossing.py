"""Words shared across languages: the English side of a Japanese text, so that a Japanese
question and an English passage (or the reverse) are matched word for word, not only by the
closeness of their embeddings, which e5-small keeps flat across languages. Japanese is cut
into words and their dictionary forms by janome; each word's English glosses come from a
word list drawn from JMdict (``evals/lexicon.py``, ``data/README.md``)."""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from janome.tokenizer import Token, Tokenizer

from retrieval.index.lexical import tokenize
from retrieval.text import JAPANESE_RUN, has_japanese

LEXICON = Path(__file__).parent / "data" / "ja_en.tsv.gz"
#: Parts of speech that carry content; numbers, pronouns, suffixes and bound words do not.
_CONTENT = frozenset({"名詞", "動詞", "形容詞"})
_BOUND = frozenset({"数", "非自立", "代名詞", "接尾"})


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    return Tokenizer()


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    with gzip.open(LEXICON, "rt", encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("\t", 1) for line in f)


@lru_cache(maxsize=50000)
def _glosses(word: str) -> frozenset[str]:
    return frozenset(tokenize(_lexicon().get(word, "")))


def is_content(part_of_speech: str) -> bool:
    """A noun, verb or adjective that stands on its own (janome's comma-separated tags)."""
    tags = part_of_speech.split(",")
    return tags[0] in _CONTENT and not _BOUND.intersection(tags[1:])


@lru_cache(maxsize=4096)
def english_words(text: str) -> tuple[frozenset[str], ...]:
    """The text word by word in English: each English word as itself, each Japanese content
    word as the set of its glosses (any one of which states it)."""
    words = [frozenset({t}) for t in tokenize(text) if not has_japanese(t)]
    for run in JAPANESE_RUN.findall(text):
        for word in _tokenizer().tokenize(run):
            if isinstance(word, Token) and is_content(word.part_of_speech):
                glosses = _glosses(word.base_form)
                if glosses:
                    words.append(glosses)
    return tuple(words)


@lru_cache(maxsize=20000)
def english_side(text: str) -> frozenset[str]:
    """Every English word stem the text states, in either language."""
    return frozenset().union(*english_words(text))

"""BM25 over a tokenisation that handles both English and Japanese.

Japanese has no spaces, so CJK runs become character bigrams (a standard, dictionary-free
choice for Japanese retrieval); English words are stemmed; compound identifiers such as
``ATLA-2026-UAS-014`` are also kept whole so an exact id outranks its parts, and so is their
short form ``UAS-014``, the way people name a tender in conversation.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from retrieval.text import COMPOUND_ID, HIRAGANA_ONLY, JAPANESE_RUN, fold

_WORD = re.compile(r"[a-z0-9]+")
TOKENIZER_VERSION = 2  # stored with the index: a change of tokenisation rebuilds it
_STOPWORDS = frozenset(STOPWORDS_EN) | {"what", "which", "when", "how", "do", "does", "can", "i"}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lexical tokens for BM25 (the same function for documents and queries)."""
    normalized = fold(text)
    identifiers = [m.group().split("-") for m in COMPOUND_ID.finditer(normalized)]
    tokens = ["-".join(parts) for parts in identifiers]
    tokens.extend("-".join(parts[-2:]) for parts in identifiers if len(parts) >= 4)
    words = [w for w in _WORD.findall(normalized) if w not in _STOPWORDS]
    tokens.extend(_stemmer().stemWords(words))
    for run in JAPANESE_RUN.findall(normalized):
        grams = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        tokens.extend(g for g in grams if not HIRAGANA_ONLY.match(g))
    return tokens


@dataclass(frozen=True)
class LexicalSnapshot:
    """One build of the BM25 index, never changed once made: a search that holds it scores
    rows that match its chunk ids even while another thread or process swaps in a rebuild."""

    chunk_ids: list[str]
    generation: int
    bm25: bm25s.BM25 | None = None

    def scores(self, query_tokens: list[str]) -> npt.NDArray[np.float64]:
        """One BM25 score per chunk, aligned with :attr:`chunk_ids`."""
        if self.bm25 is None or not query_tokens:
            return np.zeros(len(self.chunk_ids))
        return np.asarray(self.bm25.get_scores(query_tokens), dtype=np.float64)


class LexicalIndex:
    """A bm25s index saved beside the manifest, stamped with the generation it reflects and
    a build id of its own, so that a reader can tell it read one whole build."""

    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self.current = LexicalSnapshot([], generation=-1)

    def load(self) -> bool:
        """Read the index on disk; False when there is none, or when a rebuild was swapped in
        while it was being read (the stamp read after the files is not the one read before)."""
        try:
            stamp = self._stamp()
            if stamp.get("tokenizer") != TOKENIZER_VERSION:
                return False
            chunk_ids = list(stamp["chunk_ids"])
            bm25 = (
                bm25s.BM25.load(str(self._dir / "bm25"), show_progress=False) if chunk_ids else None
            )
            if self._stamp().get("build") != stamp.get("build"):
                return False
            self.current = LexicalSnapshot(chunk_ids, int(stamp["generation"]), bm25)
        except (OSError, ValueError, KeyError):
            return False
        return True

    def _stamp(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self._dir / "stamp.json").read_text(encoding="utf-8"))
        return data

    def build(self, chunk_ids: list[str], tokens: list[list[str]], generation: int) -> None:
        """Rebuild from scratch in a staging folder of its own, then swap it in. Callers hold
        the knowledge base's write lock, so two builders never swap at once."""
        self._dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=self._dir.name + ".", dir=self._dir.parent))
        bm25 = None
        if chunk_ids:
            bm25 = bm25s.BM25()
            bm25.index([t or [""] for t in tokens], show_progress=False)
            bm25.save(str(staging / "bm25"), show_progress=False)
        stamp = {
            "generation": generation,
            "chunk_ids": chunk_ids,
            "tokenizer": TOKENIZER_VERSION,
            "build": uuid.uuid4().hex,
        }
        (staging / "stamp.json").write_text(json.dumps(stamp), encoding="utf-8")
        retired = staging.with_name(staging.name + ".old")
        if self._dir.exists():
            self._dir.rename(retired)
        staging.rename(self._dir)
        shutil.rmtree(retired, ignore_errors=True)
        self.current = LexicalSnapshot(chunk_ids, generation, bm25)

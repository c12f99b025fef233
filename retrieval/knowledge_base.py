"""The index as one object: manifest, Chroma vectors and BM25, opened on a data directory.

Ingestion writes through it; the retriever reads through it. Keeping them together is what
keeps the three stores consistent.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.index.embeddings import Embedder
from retrieval.index.lexical import LexicalIndex
from retrieval.index.manifest import Manifest
from retrieval.index.vectors import VectorIndex, chroma_client


class KnowledgeBase:
    def __init__(
        self,
        data_dir: Path,
        embedder: Embedder,
        chroma_url: str | None = None,
        collection: str = "dualuse-chunks",
    ) -> None:
        self.data_dir = data_dir
        self.embedder = embedder
        data_dir.mkdir(parents=True, exist_ok=True)
        self.manifest = Manifest(data_dir / "index" / "manifest.sqlite3")
        self.vectors = VectorIndex(chroma_client(data_dir, chroma_url), collection, embedder.name)
        self.lexical = LexicalIndex(data_dir / "index" / "lexical")

    def refresh_lexical(self) -> LexicalIndex:
        """Bring the BM25 index up to the manifest's generation (load it, or rebuild it)."""
        generation = self.manifest.generation
        if self.lexical.generation == generation:
            return self.lexical
        if self.lexical.load() and self.lexical.generation == generation:
            return self.lexical
        records = self.manifest.chunks()
        self.lexical.build([r.chunk_id for r in records], [r.tokens for r in records], generation)
        return self.lexical

    def close(self) -> None:
        self.manifest.close()

"""The index as one object: manifest, Chroma vectors and BM25, opened on a data directory.

Ingestion writes through it; the retriever reads through it. Keeping them together is what
keeps the three stores consistent. Writers (ingestion, FAQ promotion, a BM25 rebuild) take
one lock on the data directory, so threads and worker processes change the index one at a
time; readers never wait for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from retrieval.index.embeddings import Embedder
from retrieval.index.lexical import LexicalIndex, LexicalSnapshot
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
        self._write_lock = FileLock(data_dir / "index" / "write.lock")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index's write lock (re-entrant within a thread)."""
        with self._write_lock:
            yield

    def refresh_lexical(self) -> LexicalSnapshot:
        """The BM25 index as of the manifest's generation: the one in memory, the one another
        process built, or a rebuild under the write lock."""
        generation = self.manifest.generation
        if self.lexical.current.generation == generation:
            return self.lexical.current
        if self.lexical.load() and self.lexical.current.generation == generation:
            return self.lexical.current
        with self.writing():
            generation = self.manifest.generation
            if self.lexical.load() and self.lexical.current.generation == generation:
                return self.lexical.current
            records = self.manifest.chunks()
            self.lexical.build(
                [r.chunk_id for r in records], [r.tokens for r in records], generation
            )
        return self.lexical.current

    def close(self) -> None:
        self.manifest.close()

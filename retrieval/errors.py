"""Specific failures of the knowledge base, raised at the edge and explained by the caller."""

from __future__ import annotations

from pathlib import Path


class KnowledgeBaseError(Exception):
    """Base class: something the operator has to fix before the knowledge base works."""


class DocumentError(KnowledgeBaseError):
    """A source file cannot become a document (bad front matter, empty body, unreadable...)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class EmbedderMismatchError(KnowledgeBaseError):
    """The index was built by another embedder: its vectors cannot be compared with ours."""

    def __init__(self, built_with: str, configured: str) -> None:
        super().__init__(
            f"The index was built with embedder '{built_with}', but '{configured}' is configured. "
            f"Set DUALUSE_EMBEDDER={built_with}, or rebuild the index with "
            f"`dualuse ingest --rebuild PATH...`."
        )
        self.built_with = built_with
        self.configured = configured


class IndexNotBuiltError(KnowledgeBaseError):
    """Search was asked of an empty data directory."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(
            f"No index in {data_dir}. Run `dualuse ingest corpus/` (or `make run`) first."
        )


class EmbeddingError(KnowledgeBaseError):
    """The embedder failed (e.g. the configured OpenAI-compatible server is unreachable)."""


class DocumentNotFoundError(KnowledgeBaseError):
    """No such document, or not one this audience may see (the two look the same)."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(f"No document '{doc_id}'.")
        self.doc_id = doc_id

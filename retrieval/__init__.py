"""The knowledge base: ingestion → index → retrieval, behind one public search API."""

from retrieval.errors import (
    DocumentError,
    DocumentNotFoundError,
    EmbedderMismatchError,
    IndexNotBuiltError,
    KnowledgeBaseError,
)
from retrieval.filters import Audience, SearchFilters
from retrieval.knowledge_base import KnowledgeBase
from retrieval.search import Hit, Retriever

__all__ = [
    "Audience",
    "DocumentError",
    "DocumentNotFoundError",
    "EmbedderMismatchError",
    "Hit",
    "IndexNotBuiltError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Retriever",
    "SearchFilters",
]

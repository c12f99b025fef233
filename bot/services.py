"""Build the shared components from the settings, so every entry point wires them the same way."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from retrieval import KnowledgeBase, Retriever
from retrieval.index.embeddings import make_embedder
from retrieval.ingestion.chunking import Chunker


def open_knowledge_base(settings: Settings, data_dir: Path | None = None) -> KnowledgeBase:
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    embedder = make_embedder(settings.embedder, api_key=key, base_url=settings.openai_base_url)
    return KnowledgeBase(
        data_dir or settings.data_dir,
        embedder,
        chroma_url=settings.chroma_url,
        collection=settings.collection,
    )


def make_retriever(settings: Settings, kb: KnowledgeBase) -> Retriever:
    return Retriever(kb, candidates=settings.candidates, rrf_k=settings.rrf_k)


def make_chunker(settings: Settings) -> Chunker:
    return Chunker(max_tokens=settings.chunk_tokens, overlap=settings.chunk_overlap)

"""Incremental ingestion: add new documents, replace changed ones, skip unchanged ones,
and (with ``prune``) remove documents gone from the corpus. A bad file is reported and
skipped; it never stops the rest and never removes what was already indexed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.documents import SourceDocument
from retrieval.errors import DocumentError
from retrieval.index.lexical import tokenize
from retrieval.ingestion.chunking import Chunker
from retrieval.ingestion.flags import first_flag
from retrieval.ingestion.loaders import discover, load_document
from retrieval.ingestion.units import UNITS_VERSION, document_units
from retrieval.knowledge_base import KnowledgeBase

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[DocumentError] = field(default_factory=list)
    #: Documents with text that asks the reader for credentials or payment, and why
    #: (``retrieval.ingestion.flags``): indexed, never quoted as an answer, for a person to check.
    flagged: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


Progress = Callable[[Path], None]


def ingest(
    kb: KnowledgeBase,
    paths: Iterable[Path],
    chunker: Chunker,
    *,
    prune: bool = False,
    rebuild: bool = False,
    on_file: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with the files under ``paths`` (under the index's write lock:
    two ingestions, or an ingestion and an FAQ promotion, never interleave)."""
    with kb.writing():
        return _ingest(kb, paths, chunker, prune=prune, rebuild=rebuild, on_file=on_file)


def _ingest(
    kb: KnowledgeBase,
    paths: Iterable[Path],
    chunker: Chunker,
    *,
    prune: bool,
    rebuild: bool,
    on_file: Progress | None,
) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    roots = [p.resolve() for p in paths]
    files = list(discover(roots))
    if rebuild:
        kb.vectors.drop()
        kb.manifest.clear()
    known = kb.manifest.documents()
    # Units cut by an older rule are cut again: every document counts as changed.
    stale_units = kb.manifest.state("units_version") != str(UNITS_VERSION)
    seen: dict[str, Path] = {}
    failed_paths: set[str] = set()

    for path in files:
        try:
            document = load_document(path)
            if document.meta.id in seen:
                raise DocumentError(
                    path, f"duplicate id '{document.meta.id}' (also in {seen[document.meta.id]})"
                )
            seen[document.meta.id] = path
            record = known.get(document.meta.id)
            if (
                record is not None
                and record.content_hash == document.content_hash
                and not stale_units
            ):
                report.unchanged.append(document.meta.id)
            else:
                report.chunks += _index_document(kb, chunker, document)
                (report.updated if record else report.added).append(document.meta.id)
            # Flagged, not rejected: curated text may quote a scam to warn of it. Unchanged
            # documents too, so the warning stays until someone edits the text.
            flag = first_flag(unit.text for unit in document_units(document))
            if flag is not None:
                log.warning("flagged %s: %s", document.meta.id, flag)
                report.flagged.append((document.meta.id, str(flag)))
        except DocumentError as error:
            log.warning("skipped %s", error)
            report.failed.append(error)
            failed_paths.add(str(path))
        finally:
            if on_file is not None:
                on_file(path)

    if prune:
        for doc_id, record in known.items():
            gone = doc_id not in seen and record.source_path not in failed_paths
            if gone and _under(Path(record.source_path), roots):
                remove_document(kb, doc_id)
                report.removed.append(doc_id)

    if stale_units and set(known) <= set(seen) | set(report.removed):
        kb.manifest.set_state("units_version", str(UNITS_VERSION))
    kb.refresh_lexical()
    report.seconds = time.perf_counter() - started
    return report


def remove_document(kb: KnowledgeBase, doc_id: str) -> None:
    """Take a document out of the vectors and the manifest (vectors first, as in
    ingestion). Callers hold the write lock."""
    kb.vectors.delete_document(doc_id)
    kb.manifest.remove(doc_id)


def _under(path: Path, roots: list[Path]) -> bool:
    """Prune only within the folders being ingested, never documents from elsewhere."""
    return any(path == root or path.is_relative_to(root) for root in roots)


def _index_document(kb: KnowledgeBase, chunker: Chunker, document: SourceDocument) -> int:
    """Vectors first, manifest last: a crash in between leaves the old hash, so the next
    run redoes this document instead of trusting a half-written one."""
    chunks = chunker.chunk(document)
    if not chunks:
        raise DocumentError(document.path, "no indexable text after chunking")
    texts = [c.search_text for c in chunks]
    units = document_units(document)
    unit_texts = [u.search_text for u in units]
    vectors = kb.embedder.embed_passages(texts + unit_texts)
    kb.vectors.delete_document(document.meta.id)
    kb.vectors.upsert(chunks, vectors[: len(chunks)])
    kb.manifest.replace(
        document,
        chunks,
        [tokenize(t) for t in texts],
        units,
        [tokenize(t) for t in unit_texts],
        vectors[len(chunks) :],
    )
    return len(chunks)

"""Promote a staff answer to an FAQ document and index it at once, so the next person who
asks the same thing gets a cited answer instead of an escalation.

A promotion is all or nothing: the file, its vectors, the manifest, the lexical index and
whatever the caller records alongside (the ticket's event) succeed together, or the FAQ is
put back as it was. It runs under the index's write lock, so concurrent promotions (from any
worker) take turns instead of tripping over each other."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from retrieval import KnowledgeBase
from retrieval.ingestion.chunking import Chunker
from retrieval.ingestion.pipeline import ingest, remove_document

log = logging.getLogger(__name__)


class FaqPromoter:
    def __init__(self, kb: KnowledgeBase, chunker: Chunker, folder: Path) -> None:
        self._kb = kb
        self._chunker = chunker
        self._folder = folder

    @contextmanager
    def promoting(self, ticket_ref: str, question: str, answer: str, lang: str) -> Iterator[str]:
        """Write ``faq-<ticket>.md`` (a public FAQ), index it and yield its id; if the caller's
        block fails, the FAQ is put back as it was before (removed, or its previous version)."""
        doc_id = f"faq-{ticket_ref.lower()}"
        path = self._folder / f"{doc_id}.md"
        with self._kb.writing():
            previous = path.read_text(encoding="utf-8") if path.exists() else None
            try:
                self._write(path, doc_id, ticket_ref, question, answer, lang)
                report = ingest(self._kb, [path], self._chunker)
                if report.failed:
                    raise report.failed[0]
                yield doc_id
            except BaseException:
                self._put_back(path, doc_id, previous)
                raise

    def _write(
        self, path: Path, doc_id: str, ticket_ref: str, question: str, answer: str, lang: str
    ) -> None:
        front = {
            "id": doc_id,
            "title": question,
            "doc_type": "faq",
            "language": lang,
            "published": dt.date.today(),
            "access": "public",
            # Who answered, in the metadata rather than the text: an answer quoting the FAQ
            # must not quote an old ticket reference as if it were a new one.
            "issuer": f"Institute staff (ticket {ticket_ref})",
        }
        body = f"# {question}\n\n## {question}\n\n{answer.strip()}\n"
        self._folder.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + body,
            encoding="utf-8",
        )

    def _put_back(self, path: Path, doc_id: str, previous: str | None) -> None:
        log.warning("promotion of %s failed; putting the FAQ back as it was", doc_id)
        if previous is None:
            path.unlink(missing_ok=True)
            remove_document(self._kb, doc_id)
            self._kb.refresh_lexical()
            return
        path.write_text(previous, encoding="utf-8")
        ingest(self._kb, [path], self._chunker)

"""Promote a staff answer to an FAQ document and index it at once, so the next person who
asks the same thing gets a cited answer instead of an escalation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from retrieval import KnowledgeBase
from retrieval.ingestion.chunking import Chunker
from retrieval.ingestion.pipeline import ingest


class FaqPromoter:
    def __init__(self, kb: KnowledgeBase, chunker: Chunker, folder: Path) -> None:
        self._kb = kb
        self._chunker = chunker
        self._folder = folder

    def promote(self, ticket_ref: str, question: str, answer: str, lang: str) -> str:
        """Write ``faq-<ticket>.md`` (public FAQ citing the ticket), index it; returns its id."""
        doc_id = f"faq-{ticket_ref.lower()}"
        front = {
            "id": doc_id,
            "title": question,
            "doc_type": "faq",
            "language": lang,
            "published": dt.date.today(),
            "access": "public",
            "source_url": f"ticket:{ticket_ref}",
            # Who answered, in the metadata rather than the text: an answer quoting the FAQ
            # must not quote an old ticket reference as if it were a new one.
            "issuer": f"Institute staff (ticket {ticket_ref})",
        }
        body = f"# {question}\n\n## {question}\n\n{answer.strip()}\n"
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / f"{doc_id}.md"
        path.write_text(
            "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + body,
            encoding="utf-8",
        )
        report = ingest(self._kb, [path], self._chunker)
        if report.failed:
            raise report.failed[0]
        return doc_id

"""Structure-aware chunking: split on headings, then into token-bounded, overlapping chunks.

Each chunk keeps its section path ("Eligibility > Unified qualification") and the section's
anchor, so an answer can cite and link the exact section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from retrieval.documents import Chunk, SourceDocument
from retrieval.ingestion.tokens import OFFLINE_ENCODING
from retrieval.text import fold

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
# Paragraphs first, then sentences (Japanese 。 included), then words.
_SEPARATORS = ["\n\n", "\n", "。", "．", ". ", "！", "？", "? ", "! ", "、", "; ", ", ", " ", ""]


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]
    anchor: str
    text: str


def slugify(heading: str) -> str:
    """GitHub-style anchor: lowercase, punctuation dropped, spaces to hyphens, CJK kept."""
    text = fold(heading).strip()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return re.sub(r"\s", "-", text)


def split_sections(body: str, title: str) -> list[Section]:
    """Split Markdown on headings. The document's first heading, when it is an H1, is its
    title (whatever its wording) and not part of any section path."""
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    anchors_seen: dict[str, int] = {}
    anchor = ""
    lines: list[str] = []
    in_fence = False
    first_heading = True

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append(Section(tuple(h for _, h in stack), anchor, text))
        lines.clear()

    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        flush()
        level, heading = len(match.group(1)), match.group(2).strip()
        base = slugify(heading)
        count = anchors_seen.get(base, 0)
        anchors_seen[base] = count + 1
        anchor = base if count == 0 else f"{base}-{count}"
        while stack and stack[-1][0] >= level:
            stack.pop()
        if not (level == 1 and (first_heading or heading == title.strip())):
            stack.append((level, heading))
        first_heading = False
    flush()
    return sections


class Chunker:
    """Token-bounded splitting sized for the embedder (e5 reads at most 512 tokens)."""

    def __init__(self, max_tokens: int = 350, overlap: int = 50) -> None:
        self._splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
            encoding_name=OFFLINE_ENCODING,
            chunk_size=max_tokens,
            chunk_overlap=overlap,
            separators=_SEPARATORS,
            keep_separator="end",
        )

    def chunk(self, document: SourceDocument) -> list[Chunk]:
        chunks: list[Chunk] = []
        for section in split_sections(document.body, document.meta.title):
            for piece in self._splitter.split_text(section.text):
                text = piece.strip()
                if not text:
                    continue
                ordinal = len(chunks)
                chunks.append(
                    Chunk(
                        chunk_id=f"{document.meta.id}::{ordinal:04d}",
                        doc_id=document.meta.id,
                        ordinal=ordinal,
                        text=text,
                        section=" > ".join(section.path),
                        anchor=section.anchor,
                        meta=document.meta,
                    )
                )
        return chunks

"""Citations are processed here and only here: passages get numbers, markers in a draft are
checked against the passages actually given, invalid ones are dropped, and the survivors are
renumbered in order of first use so ``[1]``, ``[2]``... always match ``citations``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence

from bot.answer.models import Citation
from retrieval import Hit

MARKER = re.compile(r"\[(\d+(?:\s*[,，、]\s*\d+)*)\]")
_SEPARATOR = re.compile(r"\s*[,，、]\s*")


class CitationRenumberer:
    """Maps passage markers (1-based indices into ``passages``) to citation numbers.

    Two passages from the same section share one number; a marker pointing at no passage is
    removed. State carries across calls, so streamed pieces are numbered like the whole.
    """

    def __init__(self, passages: Sequence[Hit]) -> None:
        self._passages = passages
        self._numbers: dict[tuple[str, str], int] = {}
        self.citations: list[Citation] = []

    def sub(self, text: str) -> str:
        return MARKER.sub(self._renumber, text)

    def _renumber(self, match: re.Match[str]) -> str:
        kept: list[int] = []
        for raw in _SEPARATOR.split(match.group(1)):
            index = int(raw)
            if not 1 <= index <= len(self._passages):
                continue
            hit = self._passages[index - 1]
            key = (hit.doc_id, hit.anchor)
            if key not in self._numbers:
                self._numbers[key] = len(self._numbers) + 1
                self.citations.append(
                    Citation(self._numbers[key], hit.doc_id, hit.title, hit.section, hit.url)
                )
            if self._numbers[key] not in kept:
                kept.append(self._numbers[key])
        return "".join(f"[{n}]" for n in kept)


def tidy(text: str) -> str:
    """Remove the gaps a dropped marker leaves behind."""
    text = re.sub(r"[ \t]+([.,。、)])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def resolve_markers(text: str, passages: Sequence[Hit]) -> tuple[str, list[Citation]]:
    renumberer = CitationRenumberer(passages)
    return tidy(renumberer.sub(text)), renumberer.citations


def append_cited(
    first: str, first_citations: list[Citation], second: str, second_citations: list[Citation]
) -> tuple[str, list[Citation]]:
    """Two cited texts as one: the second's markers renumbered after the first's, a section
    both cite keeping the first's number."""
    numbers = {(c.doc_id, c.url): c.n for c in first_citations}
    citations = list(first_citations)
    mapping: dict[int, int] = {}
    for citation in second_citations:
        key = (citation.doc_id, citation.url)
        if key not in numbers:
            numbers[key] = len(citations) + 1
            citations.append(dataclasses.replace(citation, n=numbers[key]))
        mapping[citation.n] = numbers[key]
    renumbered = MARKER.sub(
        lambda m: "".join(
            f"[{mapping[int(n)]}]" for n in _SEPARATOR.split(m.group(1)) if int(n) in mapping
        ),
        second,
    )
    return first + "\n" + renumbered, citations


class StreamingMarkerFilter:
    """Streams text while holding back an unfinished ``[..`` until it can be checked, so an
    invented marker never reaches the user, and numbers match the final answer."""

    _LONGEST_MARKER = 16

    def __init__(self, passages: Sequence[Hit]) -> None:
        self.renumberer = CitationRenumberer(passages)
        self._pending = ""

    def feed(self, delta: str) -> Iterator[str]:
        self._pending += delta
        while self._pending:
            start = self._pending.find("[")
            if start == -1:
                out, self._pending = self._pending, ""
                yield out
                return
            if start > 0:
                yield self._pending[:start]
                self._pending = self._pending[start:]
            end = self._pending.find("]")
            if end == -1:
                if len(self._pending) <= self._LONGEST_MARKER:
                    return
                yield self._pending[0]
                self._pending = self._pending[1:]
                continue
            candidate, self._pending = self._pending[: end + 1], self._pending[end + 1 :]
            yield self.renumberer.sub(candidate)

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return self.renumberer.sub(rest)

"""Citations are processed here and only here: passages get numbers, markers in a draft are
checked against the passages actually given, invalid ones are dropped, and the survivors are
renumbered in order of first use so ``[1]``, ``[2]``... always match ``citations``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence

from bot.answer.models import Citation
from retrieval import Hit

#: Anything a reader would take for a citation marker: the desk's own ``[3]`` and ``[1, 2]``,
#: and look-alikes (``[-1]``, ``[^1]``, ``【3】``, ``［3］``). Only ``[n]`` pointing at a given
#: passage survives the checker; every other match is dropped, so a marker copied from a
#: document or invented by a model never reaches the reader.
MARKER = re.compile(r"[\[［【〔]\s*(\^?\s*[-−–]?\d+(?:\s*[,，、]\s*\^?\s*[-−–]?\d+)*)\s*[\]］】〕]")
_SEPARATOR = re.compile(r"\s*[,，、]\s*")
_OPENING = re.compile(r"[\[［【〔]")
_CLOSING = re.compile(r"[\]］】〕]")


def _indices(match: re.Match[str]) -> list[int | None]:
    """The passage numbers a marker names, ``None`` for any that is not a plain number."""
    return [int(raw) if raw.isdecimal() else None for raw in _SEPARATOR.split(match.group(1))]


def strip_markers(text: str) -> str:
    """Quoted text without anything that looks like a citation marker: document text
    cites nothing the reader can see, and its ``[2]`` would read as the desk's own."""
    stripped = MARKER.sub("", text)
    return text if stripped == text else tidy(stripped)


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
        for index in _indices(match):
            if index is None or not 1 <= index <= len(self._passages):
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
        lambda m: "".join(f"[{mapping[n]}]" for n in _indices(m) if n in mapping),
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
            opening = _OPENING.search(self._pending)
            if opening is None:
                out, self._pending = self._pending, ""
                yield out
                return
            start = opening.start()
            if start > 0:
                yield self._pending[:start]
                self._pending = self._pending[start:]
            closing = _CLOSING.search(self._pending)
            end = -1 if closing is None else closing.start()
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

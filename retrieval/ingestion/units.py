"""Evidence units: the pieces of a section an answer quotes, cut at ingestion so that each
stands on its own. A paragraph, a list together with its lead-in, a table row naming its
columns, a block of "Label: value" lines. A unit never ends on a colon with its list cut off,
and a long paragraph is cut at sentence ends, never mid-sentence."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from retrieval.documents import SourceDocument, with_heading
from retrieval.ingestion.chunking import split_sections
from retrieval.text import ENDS_WIDE, sentences

UnitKind = Literal["paragraph", "list", "item", "row", "fields"]
#: Stored with the index: a change in how units are cut re-indexes every document.
UNITS_VERSION = 8

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MARKUP = re.compile(r"\*\*|__|`|^\s*>\s*")
_LABELLED = re.compile(r"^[^:：|]{1,40}[:：]\s*\S")
_SENTENCE_FINAL = re.compile(r"[.。!?！？:：;；)）」』\]]$")
#: A paragraph whose last sentence points at what follows ("…は次の項目です。", "You will need
#: the following documents.", "The steps are as follows.") introduces the list after it.
_LEAD_IN = re.compile(
    r"([:：]"
    r"|(次|以下|下記)の[^。.!?！？]{0,30}[。.]?"
    r"|\b(the following|as follows|listed below|set out below|below)\b[^.!?]{0,40}[.]?)$",
    re.IGNORECASE,
)
#: A question on its own (an interview's or a reader's, "HANA MORI: Money-wise?") is not
#: evidence: it introduces the answer after it, as a lead-in does. A Japanese question often
#: ends on a polite 「か。」 rather than a question mark (「問5　…取れますか。」).
_QUESTION = re.compile(r"(?:[?？]|(?:ます|です|でしょう|ません)か[。．]?)\s*[)）」』]?$")
#: A rule drawn with characters ("-----", "=====", "───") separates, as a blank line does.
_RULE = re.compile(r"^[-=_*~#─━═・\s]{3,}$")
#: A list this long is also cut into its items (each with the lead-in): a question about one
#: item ("what temperature range?") matches it better than the whole list.
_ITEMS_ALONE = 3
#: Longest unit, in characters: about the length of a short paragraph in each language (a
#: Japanese character carries about as much as two or three English ones).
MAX_CHARS = {"en": 520, "ja": 240}
#: A line at least this wide (a Japanese character counts twice) that stops mid-sentence was
#: cut by hard wrapping (plain text, e-mail, a PDF's text layer): the next line goes on with it.
_WRAPPED_WIDTH = 60


@dataclass(frozen=True)
class Unit:
    """One quotable piece of a section, with what is needed to cite it."""

    doc_id: str
    ordinal: int
    section: str
    anchor: str
    kind: UnitKind
    text: str
    title: str

    @property
    def unit_id(self) -> str:
        return f"{self.doc_id}::u{self.ordinal:04d}"

    @property
    def search_text(self) -> str:
        return with_heading(self.title, self.section, self.text)


def document_units(document: SourceDocument) -> list[Unit]:
    """Every unit of a document, in reading order."""
    language = document.meta.language
    units: list[Unit] = []
    for section in split_sections(document.body, document.meta.title):
        section_path = " > ".join(section.path)
        for kind, text in split_units(section.text, language):
            units.append(
                Unit(
                    document.meta.id,
                    len(units),
                    section_path,
                    section.anchor,
                    kind,
                    text,
                    document.meta.title,
                )
            )
    return units


def split_units(text: str, language: str = "en") -> list[tuple[UnitKind, str]]:
    """The units of one section's text, as (kind, text) pairs."""
    limit = MAX_CHARS.get(language, MAX_CHARS["en"])
    units: list[tuple[UnitKind, str]] = []
    blocks = list(_blocks(text))
    lead_in = ""
    for index, (kind, lines) in enumerate(blocks):
        following = blocks[index + 1][0] if index + 1 < len(blocks) else None
        if _introduces(kind, lines, following):
            lead_in = _join_lines(lines)
            continue
        if kind == "paragraph":
            units.extend(("paragraph", p) for p in _led(lead_in, _cut(_join_lines(lines), limit)))
        elif kind == "list":
            units.extend(("list", piece) for piece in _list_units(lead_in, lines, limit))
            if len(lines) >= _ITEMS_ALONE:
                units.extend(("item", piece) for piece in _list_units(lead_in, lines, 0))
        elif kind == "table":
            units.extend(("row", row) for row in _table_rows(lines))
        else:
            units.extend(("fields", piece) for piece in _led(lead_in, _fields(lines, limit)))
        lead_in = ""
    return [(kind, unit) for kind, unit in units if unit.strip()]


def _led(lead_in: str, pieces: list[str]) -> list[str]:
    """The first piece with what introduces it."""
    if lead_in and pieces:
        pieces[0] = lead_in + "\n" + pieces[0]
    return pieces


def _introduces(kind: str, lines: list[str], following: str | None) -> bool:
    """A block that is quoted with the one after it: a paragraph pointing at the list or
    table after it, a plain-text heading, or a question on its own (a paragraph, or one
    labelled line: "HANA MORI: Money-wise?") before its answer."""
    if following is None:
        return False
    single = kind == "paragraph" or (kind == "fields" and len(lines) == 1)
    if single and following != "table" and _QUESTION.search(_join_lines(lines)):
        return True
    if kind != "paragraph":
        return False
    if following in ("list", "table") and _LEAD_IN.search(_join_lines(lines)):
        return True
    return _is_heading(lines)


def _is_heading(lines: list[str]) -> bool:
    """A short line with no sentence end, on its own (plain-text and HTML documents have no
    Markdown headings): "How to register for the Open Day"."""
    return len(lines) == 1 and len(lines[0]) <= 80 and not _SENTENCE_FINAL.search(lines[0])


def _blocks(text: str) -> Iterator[tuple[str, list[str]]]:
    """Consecutive lines of one kind: paragraph, list, table or label-and-value fields."""

    def kind_of(line: str) -> str:
        if line.startswith("|"):
            return "table"
        if _LIST_ITEM.match(line):
            return "list"
        if _LABELLED.match(line) and len(line) <= 160:
            return "fields"
        return "paragraph"

    current: list[str] = []
    current_kind = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _RULE.match(line):
            if current:
                yield current_kind, current
            current, current_kind = [], ""
            continue
        kind = kind_of(line)
        # A labelled line or a list item wrapped onto the next line ("NAME: The aim is to get
        # new equipment into service" / "in about three years…") goes on there, not in a new
        # paragraph that starts mid-sentence.
        continuation = (
            current_kind in ("list", "fields")
            and kind == "paragraph"
            and ((raw.startswith(" ") and current_kind == "list") or _wrapped(current[-1]))
        )
        if current and (kind == current_kind or continuation):
            if continuation:
                current[-1] = _join(current[-1], line)
            else:
                current.append(line)
            continue
        if current:
            yield current_kind, current
        current, current_kind = [line], kind
    if current:
        yield current_kind, current


def _wrapped(line: str) -> bool:
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)
    return width >= _WRAPPED_WIDTH and not _SENTENCE_FINAL.search(line)


def _clean(line: str) -> str:
    return _MARKUP.sub("", line).strip()


def _join(first: str, second: str) -> str:
    if not first:
        return second
    return first + ("" if ENDS_WIDE.search(first) else " ") + second


def _join_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        text = _join(text, _clean(line))
    return text


def _cut(paragraph: str, limit: int) -> list[str]:
    """A paragraph as one unit, or, when it is long, runs of whole sentences."""
    if len(paragraph) <= limit:
        return [paragraph]
    pieces: list[str] = []
    for sentence in sentences(paragraph):
        if pieces and len(pieces[-1]) + len(sentence) < limit:
            pieces[-1] = _join(pieces[-1], sentence)
        else:
            pieces.append(sentence)
    return pieces


def _fields(lines: list[str], limit: int) -> list[str]:
    """Label-and-value lines grouped up to the limit; a value wrapped into a long sentence
    run is cut at sentence ends, as a paragraph is."""
    values = [piece for line in lines for piece in _cut(_clean(line), limit)]
    return _group(values, limit, "\n")


def _group(lines: list[str], limit: int, separator: str) -> list[str]:
    groups: list[str] = []
    for line in (_clean(line) for line in lines):
        if groups and len(groups[-1]) + len(line) < limit:
            groups[-1] += separator + line
        else:
            groups.append(line)
    return groups


def _list_units(lead_in: str, lines: list[str], limit: int) -> list[str]:
    """The lead-in with its items; a long list is cut between items, and every part keeps
    the lead-in, so no part is a list without its subject."""
    items = ["- " + _clean(_LIST_ITEM.sub("", line)) for line in lines]
    budget = max(limit - len(lead_in), limit // 2)
    return [(lead_in + "\n" if lead_in else "") + group for group in _group(items, budget, "\n")]


def _table_rows(lines: list[str]) -> list[str]:
    """Each data row as "column: value; column: value"."""
    rows = [[_clean(cell) for cell in line.strip().strip("|").split("|")] for line in lines]
    separator = [i for i, row in enumerate(rows) if all(c and set(c) <= set("-: ") for c in row)]
    header: list[str] = rows[separator[0] - 1] if separator and separator[0] > 0 else []
    body = [
        row
        for i, row in enumerate(rows)
        if i not in separator and not (header and i == separator[0] - 1)
    ]
    return [
        "; ".join(
            f"{name}: {cell}" if name else cell
            for name, cell in itertools.zip_longest(header, row, fillvalue="")
            if cell
        )
        for row in body
    ]

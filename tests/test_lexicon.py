"""The word list is built from JMdict's tables: each form the tokenizer can produce, with the
first senses' glosses of the first entry that has it."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

from evals.lexicon import build

_SCHEMA = """
CREATE TABLE Kanji (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT);
CREATE TABLE Kana (ID INTEGER PRIMARY KEY, idseq INTEGER, text TEXT, nokanji BOOLEAN);
CREATE TABLE Sense (ID INTEGER PRIMARY KEY, idseq INTEGER);
CREATE TABLE SenseGloss (sid INTEGER, lang TEXT, gend TEXT, text TEXT);
"""


def _dictionary(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA)
    db.executemany("INSERT INTO Kanji (idseq, text) VALUES (?, ?)", [(1, "夜間"), (3, "夜間")])
    db.executemany("INSERT INTO Kana (idseq, text) VALUES (?, ?)", [(2, "ぱぴぷぺぽ")])
    db.executemany("INSERT INTO Sense (ID, idseq) VALUES (?, ?)", [(10, 1), (11, 1), (12, 1)])
    db.executemany("INSERT INTO Sense (ID, idseq) VALUES (?, ?)", [(20, 2), (30, 3)])
    glosses = [
        (10, "eng", "night"),
        (10, "eng", "nighttime (esp. late)"),
        (10, "ger", "Nacht"),
        (11, "eng", "evening"),
        (12, "eng", "third sense"),
        (20, "eng", "nonsense"),
        (30, "eng", "later entry"),
    ]
    db.executemany("INSERT INTO SenseGloss (sid, lang, text) VALUES (?, ?, ?)", glosses)
    db.commit()
    db.close()
    return path


def test_a_form_keeps_the_first_entrys_first_english_senses_without_parentheses(
    tmp_path: Path,
) -> None:
    out = tmp_path / "ja_en.tsv.gz"
    count = build(_dictionary(tmp_path / "jmdict.db"), out)
    lines = gzip.decompress(out.read_bytes()).decode("utf-8").splitlines()
    assert lines == ["夜間\tnight; nighttime; evening"]
    assert count == 1  # ぱぴぷぺぽ is no word the tokenizer produces


def test_the_word_list_carries_no_timestamp_so_a_rebuild_gives_the_same_bytes(
    tmp_path: Path,
) -> None:
    out = tmp_path / "ja_en.tsv.gz"
    build(_dictionary(tmp_path / "jmdict.db"), out)
    assert out.read_bytes()[4:8] == b"\x00\x00\x00\x00"  # gzip header MTIME

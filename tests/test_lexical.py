"""The lexical side handles Japanese without spaces and keeps identifiers whole."""

from __future__ import annotations

from pathlib import Path

from retrieval.index.lexical import LexicalIndex, tokenize


def test_japanese_becomes_character_bigrams_without_particles() -> None:
    tokens = tokenize("入札参加資格の取得")
    assert "入札" in tokens
    assert "資格" in tokens
    assert "の" not in tokens


def test_identifiers_are_kept_whole_and_normalised() -> None:
    tokens = tokenize("Which tenders does ＡＴＬＡ-2026-UAS-014 cover?")
    assert "atla-2026-uas-014" in tokens
    assert "tender" in tokens  # stemmed


def test_index_survives_a_reload(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical")
    index.build(["a", "b"], [tokenize("drone tender"), tokenize("衛星の公募")], generation=7)
    reloaded = LexicalIndex(tmp_path / "lexical")
    assert reloaded.load()
    assert reloaded.generation == 7
    scores = reloaded.scores(tokenize("衛星"))
    assert scores[1] > scores[0]

"""Reading a Japanese text in English words, which lets a question in one language be
matched word for word against a passage in the other."""

from __future__ import annotations

from retrieval.crossing import english_side, english_words
from retrieval.index.lexical import tokenize


def test_japanese_content_words_read_as_their_english_glosses() -> None:
    side = english_side("夜間の航法モジュールは最低何分飛べる？")
    assert set(tokenize("night navigation module minimum")) <= side


def test_english_words_read_as_themselves() -> None:
    text = "The bid deadline is 19 March 2027."
    assert english_side(text) == frozenset(tokenize(text))


def test_particles_and_numbers_add_no_glosses() -> None:
    assert english_side("2025年には49件が採択された") >= {"2025", "49"}
    assert not {"year", "wa", "ga"} & english_side("それはこれが")


def test_each_japanese_word_is_one_word_with_its_glosses_as_alternatives() -> None:
    words = english_words("夜間の航法")
    assert len(words) == 2
    assert "night" in words[0] and "navig" in words[1]

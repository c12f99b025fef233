"""Every supported format becomes a document; every bad file gets a reason a person can act on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pytest
import yaml
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from retrieval import DocumentError
from retrieval.ingestion.loaders import discover, load_document
from tests.conftest import write_doc

SIDECAR = {
    "id": "sample-notice",
    "title": "Sample notice",
    "doc_type": "tender_notice",
    "language": "en",
    "published": "2026-03-01",
    "deadline": "2026-12-01",
    "tender_id": "ATLA-2026-TST-001",
}


def _sidecar(path: Path, **fields: object) -> None:
    path.with_name(path.stem + ".meta.yaml").write_text(
        yaml.safe_dump({**SIDECAR, **fields}), encoding="utf-8"
    )


def test_markdown_front_matter_becomes_metadata(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        "drone-notice",
        "# Drones\n## Scope\nText.",
        doc_type="tender_notice",
        deadline="2026-12-18",
        tech_areas=["Drones", "ai"],
    )
    document = load_document(path)
    assert document.meta.doc_type == "tender_notice"
    assert document.meta.deadline == dt.date(2026, 12, 18)
    assert document.meta.tech_areas == ("drones", "ai")
    assert document.meta.access == "public"


def test_text_file_takes_metadata_from_its_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "notice.txt"
    path.write_text("Bidders must hold the unified qualification.", encoding="utf-8")
    _sidecar(path)
    document = load_document(path)
    assert document.meta.id == "sample-notice"
    assert document.meta.tender_id == "ATLA-2026-TST-001"
    assert "unified qualification" in document.body


def test_html_headings_become_sections(tmp_path: Path) -> None:
    path = tmp_path / "open-day.html"
    path.write_text(
        "<html><head><title>Open day</title><script>alert(1)</script></head><body>"
        "<h1>Open day</h1><h2>Where</h2><p>At the institute in Ebisu.</p>"
        "<ul><li>Bring ID</li></ul></body></html>",
        encoding="utf-8",
    )
    document = load_document(path)
    assert document.meta.title == "Open day"
    assert "## Where" in document.body
    assert "- Bring ID" in document.body
    assert "alert" not in document.body


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    path = tmp_path / "requirement.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.drawString(72, 800, "Requirement: detect small drones at 2 km in darkness.")
    pdf.showPage()
    pdf.drawString(72, 800, "Second page: power budget under 50 W.")
    pdf.save()
    _sidecar(path, id="pdf-requirement", doc_type="requirement_summary")
    document = load_document(path)
    assert "detect small drones" in document.body
    assert "power budget" in document.body
    assert document.meta.doc_type == "requirement_summary"


def test_docx_headings_and_tables_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "guide.docx"
    word = docx.Document()
    word.add_heading("Registration guide", level=0)
    word.add_heading("Step one", level=1)
    word.add_paragraph("Create a profile on the startup list.")
    table = word.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Deadline"
    table.rows[0].cells[1].text = "2027-01-31"
    word.save(str(path))
    document = load_document(path)
    assert document.meta.title == "Registration guide"
    assert "## Step one" in document.body
    assert "Deadline | 2027-01-31" in document.body


def test_defaults_come_from_the_path_without_a_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "tenders" / "Drone Kit Notice.txt"
    path.parent.mkdir()
    path.write_text(
        "入札公告: 小型ドローン用航法キットの試作。締切は2026年12月18日。", encoding="utf-8"
    )
    document = load_document(path)
    assert document.meta.id == "drone-kit-notice"
    assert document.meta.doc_type == "tender_notice"
    assert document.meta.language == "ja"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.md", "---\ntitle: [unclosed\n---\nBody", "broken front matter"),
        (
            "unknown-type.md",
            "---\nid: x\ntitle: X\ndoc_type: memo\nlanguage: en\npublished: 2026-01-01\n---\nBody",
            "doc_type",
        ),
        (
            "bad-id.md",
            "---\nid: Bad Id!\ntitle: X\ndoc_type: faq\nlanguage: en\n"
            "published: 2026-01-01\n---\nB",
            "id",
        ),
        (
            "empty.md",
            "---\nid: e\ntitle: E\ndoc_type: faq\nlanguage: en\npublished: 2026-01-01\n---\n  \n",
            "no text",
        ),
        ("junk.txt", b"\x00\x01\x02\xff" * 100, "binary"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("broken.docx", b"PK not a zip", "DOCX"),
    ],
)
def test_bad_files_are_rejected_with_a_reason(
    tmp_path: Path, name: str, content: str | bytes, reason: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        load_document(path)
    assert reason in str(caught.value)
    assert caught.value.path == path


def test_discovery_skips_readmes_and_sidecars(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# About", encoding="utf-8")
    (tmp_path / "a.txt").write_text("text", encoding="utf-8")
    (tmp_path / "a.meta.yaml").write_text("id: a", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    assert [p.name for p in discover([tmp_path])] == ["a.txt"]


def test_a_file_named_explicitly_is_loaded_or_rejected_not_ignored(tmp_path: Path) -> None:
    image = tmp_path / "image.png"
    image.write_bytes(b"\x89PNG")
    assert list(discover([image])) == [image]
    with pytest.raises(DocumentError, match="unsupported file type"):
        load_document(image)

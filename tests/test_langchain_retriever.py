"""The LangChain adapter passes langchain-tests' standard retriever suite."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from retrieval import Retriever
from retrieval.langchain_retriever import DualUseRetriever


class TestDualUseRetriever(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _bind(self, mini_retriever: Retriever) -> None:
        self._retriever = mini_retriever

    @property
    def retriever_constructor(self) -> type[DualUseRetriever]:
        return DualUseRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"retriever": self._retriever, "as_of": dt.date(2026, 11, 27)}

    @property
    def retriever_query_example(self) -> str:
        return "How do I obtain the unified bidding qualification?"


def test_documents_carry_citation_metadata(mini_retriever: Retriever) -> None:
    adapter = DualUseRetriever(retriever=mini_retriever, as_of=dt.date(2026, 11, 27))
    (document,) = adapter.invoke("When does ATLA-2026-SAT-003 close?", k=1)
    assert document.metadata["tender_id"] == "ATLA-2026-SAT-003"
    assert document.metadata["url"].startswith("/sources/atla-2026-sat-003#")

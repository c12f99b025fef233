"""The same search as a LangChain ``BaseRetriever``, for chains and tools built on LangChain."""

from __future__ import annotations

import datetime as dt
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.filters import Audience, SearchFilters
from retrieval.search import Hit, Retriever


class DualUseRetriever(BaseRetriever):
    """Wraps :class:`Retriever`; ``k``, ``filters``, ``audience`` and ``as_of`` may also be
    passed per call (``retriever.invoke(query, k=3)``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever
    k: int = 4
    filters: SearchFilters | None = None
    audience: Audience = "startup"
    as_of: dt.date | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        hits = self.retriever.search(
            query,
            k=kwargs.get("k", self.k),
            filters=kwargs.get("filters", self.filters),
            audience=kwargs.get("audience", self.audience),
            as_of=kwargs.get("as_of", self.as_of),
        )
        return [_to_document(hit) for hit in hits]


def _to_document(hit: Hit) -> Document:
    metadata = hit.as_dict()
    metadata.pop("text")
    return Document(page_content=hit.text, metadata=metadata, id=hit.chunk_id)

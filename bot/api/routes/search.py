"""Public search over the knowledge base: always with the startup audience (staff-only
documents need a signed-in staff member, which the staff console provides)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, StringConstraints

from bot.http.contract import refusals
from bot.http.deps import RetrieverDep
from retrieval import SearchFilters
from retrieval.documents import DocType, Language

router = APIRouter(prefix="/api", tags=["search"])

#: A technology area to filter on (an empty one, `tech_area=`, is a mistake, not "any").
TechArea = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class SearchResponse(BaseModel):
    query: str
    hits: list[dict[str, Any]]


@router.get("/search", responses=refusals(422, 503))
def search(
    retriever: RetrieverDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="The question.")],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    doc_type: Annotated[list[DocType] | None, Query(alias="type")] = None,
    tech_area: Annotated[list[TechArea] | None, Query()] = None,
    language: Annotated[list[Language] | None, Query()] = None,
    open_on: Annotated[dt.date | None, Query(description="Only tenders open on this date.")] = None,
    as_of: Annotated[dt.date | None, Query()] = None,
) -> SearchResponse:
    filters = SearchFilters(
        doc_types=tuple(doc_type or ()),
        tech_areas=tuple(a.lower() for a in tech_area or ()),
        languages=tuple(language or ()),
        open_on=open_on,
    )
    hits = retriever.search(q, k=k, filters=filters, audience="startup", as_of=as_of)
    return SearchResponse(query=q, hits=[hit.as_dict() for hit in hits])

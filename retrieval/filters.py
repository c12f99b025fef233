"""Who may see what, and which documents a search covers: one definition for both rankers.

The audience rule lives here and nowhere else: a startup never receives a chunk of an
``access: staff`` document, whatever channel asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from retrieval.documents import date_to_int

Audience = Literal["startup", "staff"]


@dataclass(frozen=True)
class SearchFilters:
    """Optional narrowing a caller asks for. Empty tuples mean "any"."""

    doc_types: tuple[str, ...] = ()
    tech_areas: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    open_on: dt.date | None = None


@dataclass(frozen=True)
class Scope:
    """Filters plus the rules every search obeys: the audience, and the documents superseded
    on the search's date (a successor published later does not yet hide its predecessor)."""

    filters: SearchFilters
    audience: Audience
    superseded: frozenset[str] = field(default_factory=frozenset)

    def restricted(self, *, language: str) -> Scope:
        """The same scope limited to one language."""
        return replace(self, filters=replace(self.filters, languages=(language,)))

    def chroma_where(self) -> dict[str, Any] | None:
        """The scope as a Chroma ``where`` clause (dates compared as YYYYMMDD integers)."""
        clauses: list[dict[str, Any]] = []
        if self.audience != "staff":
            clauses.append({"access": "public"})
        if self.filters.doc_types:
            clauses.append({"doc_type": {"$in": list(self.filters.doc_types)}})
        if self.filters.languages:
            clauses.append({"language": {"$in": list(self.filters.languages)}})
        if self.filters.tech_areas:
            areas = [{"tech_areas": {"$contains": a}} for a in self.filters.tech_areas]
            clauses.append(areas[0] if len(areas) == 1 else {"$or": areas})
        if self.filters.open_on is not None:
            clauses.append({"doc_type": "tender_notice"})
            clauses.append({"deadline": {"$gte": date_to_int(self.filters.open_on)}})
        if self.superseded:
            clauses.append({"doc_id": {"$nin": sorted(self.superseded)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def admits(self, meta: Mapping[str, Any]) -> bool:
        """The same rules as :meth:`chroma_where`, for chunks held outside Chroma."""
        if self.audience != "staff" and meta.get("access") != "public":
            return False
        if self.filters.doc_types and meta["doc_type"] not in self.filters.doc_types:
            return False
        if self.filters.languages and meta["language"] not in self.filters.languages:
            return False
        if self.filters.tech_areas and not set(self.filters.tech_areas) & set(
            meta.get("tech_areas", ())
        ):
            return False
        if self.filters.open_on is not None and (
            meta["doc_type"] != "tender_notice"
            or meta.get("deadline", 0) < date_to_int(self.filters.open_on)
        ):
            return False
        return meta["doc_id"] not in self.superseded

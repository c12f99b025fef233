"""The one retrieval API every caller uses (Slack, web, evals, the CLI, LangChain).

Hybrid search: dense vectors (Chroma) and BM25 each rank candidates inside the same scope,
BM25 of the question's words read in English ranks the other language's sections, and
reciprocal rank fusion merges them. Documents whose tender id (or document id) appears
verbatim in the question are pinned first, because an exact identifier is unambiguous
(a tender id pins its notice; other documents that mention it rank on their merits).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import bm25s
import numpy as np
import numpy.typing as npt

from retrieval.crossing import english_side
from retrieval.documents import date_to_int, int_to_date
from retrieval.errors import DocumentNotFoundError, IndexNotBuiltError
from retrieval.filters import Audience, Scope, SearchFilters
from retrieval.index.embeddings import Vectors
from retrieval.index.lexical import tokenize
from retrieval.index.manifest import ChunkRecord, UnitRecord
from retrieval.knowledge_base import KnowledgeBase
from retrieval.text import HYPHENATED_ID, JAPANESE, fold

Mode = Literal["hybrid", "dense", "lexical"]
#: The chunk metadata :meth:`Scope.admits` reads; chunks alike in these are admitted alike.
_SCOPE_FIELDS = ("doc_id", "access", "doc_type", "language", "tech_areas", "deadline")
#: The most nearest neighbours fetched unfiltered before a language falls back to a filtered
#: query (Chroma answers a few thousand in a few ms; its ``where`` costs far more).
_MAX_FETCH = 2000
_OVERFETCH = 1.5  # margin over the fetch a language's share of the scope predicts
_SCOPE_CACHE = 64


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its provenance and how each ranker placed it."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    anchor: str
    text: str
    score: float
    doc_type: str
    language: str
    access: str
    published: dt.date
    deadline: dt.date | None
    tender_id: str | None
    tech_areas: tuple[str, ...]
    issuer: str | None
    source_url: str | None
    dense_rank: int | None
    lexical_rank: int | None
    pinned: bool
    #: Where the question's words read in the other language ranked it (:mod:`retrieval.crossing`).
    crossing_rank: int | None = None

    @property
    def url(self) -> str:
        """Where the web chat shows the cited section."""
        return f"/sources/{self.doc_id}" + (f"#{self.anchor}" if self.anchor else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "anchor": self.anchor,
            "url": self.url,
            "score": round(self.score, 6),
            "doc_type": self.doc_type,
            "language": self.language,
            "published": self.published.isoformat(),
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "tender_id": self.tender_id,
            "tech_areas": list(self.tech_areas),
            "issuer": self.issuer,
            "source_url": self.source_url,
            "dense_rank": self.dense_rank,
            "lexical_rank": self.lexical_rank,
            "crossing_rank": self.crossing_rank,
            "text": self.text,
        }


@dataclass(frozen=True)
class UnitMatch:
    """An evidence unit of a retrieved section, with how close it is to the question: the
    raw inputs of unit ranking (``bot.answer.ranking``)."""

    unit: UnitRecord
    hit: int  # index of the hit (retrieved section) it belongs to
    language: str
    similarity: float  # cosine of the unit's stored vector and the question's
    lexical: float  # BM25 of the question's tokens within the unit, over all units
    #: The median similarity of the question to every unit the audience may see: how close
    #: the question is to the documents in general, so that a unit's lead over it, not its
    #: raw similarity, says how specifically it matches.
    typical: float = 0.0
    #: BM25 of the question's words read in English within a unit of the other language
    #: (:mod:`retrieval.crossing`); 0 for a unit in the question's language.
    crossing: float = 0.0


@dataclass(frozen=True)
class _ScopeView:
    """A scope resolved against the chunks in memory, once per scope rather than per search:
    which chunks it admits (one flag per chunk, in manifest order) and how many per language."""

    scope: Scope
    admitted: npt.NDArray[np.bool_]
    per_language: dict[str, int]


class Retriever:
    """Thread-safe: every call reads one :class:`_Snapshot` of the index, and a new one is
    built when the index has changed underneath it (an ingest, a promoted FAQ, another
    worker's write), so a search never sees half of one generation and half of the next."""

    def __init__(self, kb: KnowledgeBase, candidates: int = 40, rrf_k: int = 60) -> None:
        self._kb = kb
        self._candidates = candidates
        self._rrf_k = rrf_k
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._query_vectors: dict[str, Vectors] = {}

    def _current(self) -> _Snapshot:
        """The snapshot of the manifest's generation; one thread builds it while the others
        wait for it (they want the change too: a promoted FAQ must answer the next question)."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation == self._kb.manifest.generation:
            return snapshot
        with self._lock:
            generation = self._kb.manifest.generation
            if self._snapshot is None or self._snapshot.generation != generation:
                self._snapshot = _Snapshot(
                    self._kb, generation, self._candidates, self._rrf_k, self.query_vector
                )
            return self._snapshot

    def query_vector(self, query: str) -> Vectors:
        """The question's embedding, computed once however many steps use it."""
        vector = self._query_vectors.get(query)
        if vector is None:
            vector = self._kb.embedder.embed_queries([query])[0]
            if len(self._query_vectors) >= 256:
                self._query_vectors.clear()
            self._query_vectors[query] = vector
        return vector

    def embedder_name(self) -> str:
        return self._kb.embedder.name

    @property
    def cross_language_offset(self) -> float:
        return self._kb.embedder.cross_language_offset

    def rarity(self, tokens: Iterable[str]) -> list[float]:
        """How rare each token is in the public documents' units: inverse document frequency
        scaled to 0..1 (0 for a token every unit has, 1 for one none has). A question whose
        rarest words appear nowhere is about something the documents do not cover."""
        return self._current().rarity(tokens)

    def units(
        self,
        query: str,
        hits: list[Hit],
        audience: Audience = "startup",
        as_of: dt.date | None = None,
        nearest: int = 8,
    ) -> tuple[list[UnitMatch], list[Hit]]:
        """The evidence units of the retrieved sections, plus the ``nearest`` units closest to
        the question anywhere the audience may look (a figure can sit in a section the
        passage ranking missed), each with the question's similarity and BM25 score. No text
        is embedded here: the units' vectors were stored at ingestion. Returns the units and
        the hits they cite (``hits`` with the sections of the extra units appended)."""
        return self._current().units(query, hits, audience, as_of, nearest)

    def search(
        self,
        query: str,
        k: int = 5,
        filters: SearchFilters | None = None,
        audience: Audience = "startup",
        as_of: dt.date | None = None,
        mode: Mode = "hybrid",
    ) -> list[Hit]:
        """The top ``k`` chunks for ``query`` that ``audience`` may see on date ``as_of``."""
        snapshot = self._current()
        if not snapshot.chunks:
            raise IndexNotBuiltError(self._kb.data_dir)
        return snapshot.search(query, k, filters, audience, as_of, mode)

    def document(self, doc_id: str, audience: Audience = "startup") -> tuple[dict[str, Any], str]:
        """A whole document (metadata and Markdown body) for the document view, if
        ``audience`` may see it; otherwise :class:`DocumentNotFoundError`, as for a missing one."""
        found = self._kb.manifest.document_body(doc_id)
        if found is None:
            raise DocumentNotFoundError(doc_id)
        meta, body = found
        flat = {**meta, "doc_id": meta["id"]}
        if not Scope(SearchFilters(), audience).admits(flat):
            raise DocumentNotFoundError(doc_id)
        return meta, body

    def documents(
        self,
        filters: SearchFilters | None = None,
        audience: Audience = "startup",
        as_of: dt.date | None = None,
    ) -> list[Hit]:
        """One hit (the first section) per document in scope, unranked: for questions that
        metadata answers better than prose, such as which tenders are open."""
        return self._current().documents(filters, audience, as_of)


class _Snapshot:
    """What searching needs from one generation of the index, read once and never changed
    (the scope views are a cache of pure functions of it)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        generation: int,
        candidates: int,
        rrf_k: int,
        query_vector: Callable[[str], Vectors],
    ) -> None:
        self.generation = generation
        self._kb = kb
        self._candidates = candidates
        self._rrf_k = rrf_k
        self._query_vector = query_vector
        self._lexical_index = kb.refresh_lexical()
        self.chunks = {c.chunk_id: c for c in kb.manifest.chunks()}
        identifiers: dict[str, set[str]] = {}
        for chunk in self.chunks.values():
            identifiers.setdefault(chunk.doc_id, set()).add(chunk.doc_id)
            if chunk.meta["doc_type"] == "tender_notice" and chunk.meta.get("tender_id"):
                tender_id = fold(chunk.meta["tender_id"])
                identifiers.setdefault(tender_id, set()).add(chunk.doc_id)
        self._identifiers = identifiers
        self._languages = tuple(sorted({c.meta["language"] for c in self.chunks.values()}))
        self._views: dict[Scope, _ScopeView] = {}
        self._index_chunks()
        self._boilerplate = _boilerplate(self.chunks.values())
        self._first_chunks: dict[str, ChunkRecord] = {}
        self._section_chunks: dict[tuple[str, str], str] = {}
        for chunk in self.chunks.values():
            self._first_chunks.setdefault(chunk.doc_id, chunk)
            self._section_chunks.setdefault(
                (chunk.doc_id, chunk.meta.get("anchor", "")), chunk.chunk_id
            )
        self._doc_language = {
            doc_id: chunk.meta["language"] for doc_id, chunk in self._first_chunks.items()
        }
        self._load_units()
        self._supersedes = [
            (record.doc_id, record.published, record.supersedes)
            for record in kb.manifest.documents().values()
            if record.supersedes
        ]

    def _index_chunks(self) -> None:
        """Positions, documents' chunk lists and scope-relevant kinds of the chunks, so that a
        search filters by scope with array operations instead of a loop over every chunk."""
        kinds: dict[tuple[Any, ...], int] = {}
        kind_metas: list[dict[str, Any]] = []
        chunk_kinds: list[int] = []
        doc_chunks: dict[str, list[str]] = {}
        for chunk in self.chunks.values():
            key = tuple(_hashable(chunk.meta.get(name)) for name in _SCOPE_FIELDS)
            kind = kinds.setdefault(key, len(kinds))
            if kind == len(kind_metas):
                kind_metas.append(chunk.meta)
            chunk_kinds.append(kind)
            doc_chunks.setdefault(chunk.doc_id, []).append(chunk.chunk_id)
        language_code = {language: i for i, language in enumerate(self._languages)}
        self._chunk_ids = list(self.chunks)
        self._positions = {cid: i for i, cid in enumerate(self._chunk_ids)}
        self._doc_chunks = doc_chunks
        self._kind_metas = kind_metas
        self._chunk_kinds = np.asarray(chunk_kinds, dtype=np.intp)
        self._chunk_languages = np.asarray(
            [language_code[c.meta["language"]] for c in self.chunks.values()], dtype=np.intp
        )
        # Each BM25 row's chunk position (-1 for a chunk the manifest no longer holds).
        self._lexical_rows = np.fromiter(
            (self._positions.get(cid, -1) for cid in self._lexical_index.chunk_ids),
            dtype=np.intp,
            count=len(self._lexical_index.chunk_ids),
        )

    def _view(self, scope: Scope) -> _ScopeView:
        """The scope's admitted chunks: :meth:`Scope.admits` runs once per kind of chunk
        (about once per document), and the answer is kept for the next search in that scope."""
        view = self._views.get(scope)
        if view is None:
            kinds = np.fromiter(
                (scope.admits(meta) for meta in self._kind_metas),
                dtype=np.bool_,
                count=len(self._kind_metas),
            )
            admitted = kinds[self._chunk_kinds]
            counts = np.bincount(self._chunk_languages[admitted], minlength=len(self._languages))
            view = _ScopeView(
                scope, admitted, dict(zip(self._languages, counts.tolist(), strict=True))
            )
            if len(self._views) >= _SCOPE_CACHE:
                self._views = {}
            self._views[scope] = view
        return view

    def _load_units(self) -> None:
        units = self._kb.manifest.units()
        self._unit_languages = np.array([self._doc_language.get(u.doc_id, "en") for u in units])
        # Every unit in English words too, so a question finds the units of the other language
        # by what they say, not only by an embedding kept flat across languages.
        english = [
            sorted(english_side(f"{u.section}\n{u.text}")) if lang == "ja" else u.tokens
            for u, lang in zip(units, self._unit_languages, strict=True)
        ]
        # A word is as rare as the units that state it in either language: "export" is common
        # in a corpus that says 輸出 throughout, even if no English document uses it.
        public = {c.doc_id for c in self.chunks.values() if c.meta.get("access") != "staff"}
        frequency: Counter[str] = Counter()
        for unit, read in zip(units, english, strict=True):
            if unit.doc_id in public:  # never a hint of what staff-only documents contain
                frequency.update(set(unit.tokens).union(read))
        self._token_frequency, self._public_units = frequency, max(1, len(units))
        by_section: dict[tuple[str, str], list[int]] = {}
        for index, unit in enumerate(units):
            by_section.setdefault((unit.doc_id, unit.anchor), []).append(index)
        self._units, self._units_by_section = units, by_section
        self._unit_vectors = (
            np.vstack([u.vector for u in units]) if units else np.zeros((0, 0), np.float32)
        )
        self._unit_bm25 = self._english_bm25 = None
        self._crossing_cache: dict[str, npt.NDArray[np.float64]] = {}
        if units:
            self._unit_bm25 = bm25s.BM25()
            self._unit_bm25.index([u.tokens or [""] for u in units], show_progress=False)
            self._english_bm25 = bm25s.BM25()
            self._english_bm25.index([t or [""] for t in english], show_progress=False)

    def rarity(self, tokens: Iterable[str]) -> list[float]:
        total = self._public_units
        ceiling = np.log(total + 1)
        return [
            float(np.log((total + 1) / (self._token_frequency[t] + 1)) / ceiling) for t in tokens
        ]

    def units(
        self,
        query: str,
        hits: list[Hit],
        audience: Audience,
        as_of: dt.date | None,
        nearest: int,
    ) -> tuple[list[UnitMatch], list[Hit]]:
        if not self._units:
            return [], hits
        vector = self._query_vector(query)
        similarity = self._unit_vectors @ vector
        tokens = tokenize(query)
        lexical = (
            np.asarray(self._unit_bm25.get_scores(tokens), dtype=np.float64)
            if self._unit_bm25 is not None and tokens
            else np.zeros(len(self._units))
        )
        sections = {(hit.doc_id, hit.anchor): rank for rank, hit in enumerate(hits)}
        chosen: dict[int, int] = {}
        for (doc_id, anchor), rank in sections.items():
            for index in self._units_by_section.get((doc_id, anchor), []):
                chosen.setdefault(index, rank)
        admitted = self._admitted_docs(audience, as_of or dt.date.today())
        asked_in = query_language(query)
        offset = self._kb.embedder.cross_language_offset * 1.5
        other = self._unit_languages != asked_in
        closeness = similarity + offset * other
        allowed = np.array([u.doc_id in admitted for u in self._units])
        crossing = self._crossing_scores(query)
        extra_hits = list(hits)
        for order, limit in (
            (np.argsort(-closeness), nearest),
            (np.argsort(-lexical), nearest // 2),
            (np.argsort(-crossing), nearest // 2),
        ):
            candidates = [int(i) for i in order if allowed[i]][:limit]
            for index in candidates:
                unit = self._units[index]
                key = (unit.doc_id, unit.anchor)
                if index in chosen:
                    continue
                if key not in sections:
                    chunk_id = self._section_chunks.get(key)
                    if chunk_id is None:
                        continue
                    sections[key] = len(extra_hits)
                    extra_hits.append(self._hit(chunk_id, 0.0, None, None, set()))
                chosen[index] = sections[key]
        typical = float(np.median(similarity[allowed])) if allowed.any() else 0.0
        matches = [
            UnitMatch(
                self._units[index],
                rank,
                self._doc_language.get(self._units[index].doc_id, "en"),
                float(similarity[index]),
                float(lexical[index]),
                typical,
                float(crossing[index]),
            )
            for index, rank in chosen.items()
            if fold(self._units[index].text).strip() not in self._boilerplate
        ]
        return matches, extra_hits

    def _crossing_scores(self, query: str) -> npt.NDArray[np.float64]:
        """BM25 of the question's English words within the units of the other language;
        kept for the question's unit ranking, which reads them again after its search."""
        scores = self._crossing_cache.get(query)
        if scores is not None:
            return scores
        words = sorted(english_side(query))
        if self._english_bm25 is None or not words:
            scores = np.zeros(len(self._units))
        else:
            other = self._unit_languages != query_language(query)
            scores = np.where(other, self._english_bm25.get_scores(words), 0.0)
        if len(self._crossing_cache) >= _SCOPE_CACHE:
            self._crossing_cache = {}
        self._crossing_cache[query] = scores
        return scores

    def _admitted_docs(self, audience: Audience, as_of: dt.date) -> frozenset[str]:
        scope = self._scope(SearchFilters(), audience, as_of)
        return frozenset(
            chunk.doc_id for chunk in self._first_chunks.values() if scope.admits(chunk.meta)
        )

    def search(
        self,
        query: str,
        k: int,
        filters: SearchFilters | None,
        audience: Audience,
        as_of: dt.date | None,
        mode: Mode,
    ) -> list[Hit]:
        scope = self._scope(filters or SearchFilters(), audience, as_of or dt.date.today())
        view = self._view(scope)
        dense = self._dense(query, view) if mode in ("hybrid", "dense") else []
        lexical = self._lexical(query, view) if mode in ("hybrid", "lexical") else []
        crossing = self._crossing(query, view) if mode == "hybrid" else []
        dense_rank = {cid: i for i, cid in enumerate(dense, start=1)}
        lexical_rank = {cid: i for i, cid in enumerate(lexical, start=1)}
        crossing_rank = {cid: i for i, cid in enumerate(crossing, start=1)}
        fused = self._fuse(query, dense_rank, lexical_rank, crossing_rank, mode)
        order = sorted(
            fused, key=lambda cid: (-fused[cid], cid)
        )  # ties: the same order every build
        pinned_docs = self._pinned_docs(query) if mode == "hybrid" else set()
        order = self._pin(order, pinned_docs, scope)
        return [
            self._hit(
                cid,
                fused.get(cid, 0.0),
                dense_rank.get(cid),
                lexical_rank.get(cid),
                pinned_docs,
                crossing_rank.get(cid),
            )
            for cid in order[:k]
        ]

    def documents(
        self, filters: SearchFilters | None, audience: Audience, as_of: dt.date | None
    ) -> list[Hit]:
        scope = self._scope(filters or SearchFilters(), audience, as_of or dt.date.today())
        first: dict[str, str] = {}
        for position in np.flatnonzero(self._view(scope).admitted):
            chunk_id = self._chunk_ids[position]
            first.setdefault(self.chunks[chunk_id].doc_id, chunk_id)
        return [self._hit(cid, 0.0, None, None, set()) for cid in first.values()]

    def _fuse(
        self,
        query: str,
        dense: dict[str, int],
        lexical: dict[str, int],
        crossing: dict[str, int],
        mode: Mode,
    ) -> dict[str, float]:
        """Reciprocal rank fusion, averaged over the rankers able to judge each chunk.

        BM25 can only match a chunk written in a script the question uses; a Japanese
        question gives it nothing to say about an English passage. Plain RRF would then
        favour every same-language chunk BM25 happens to touch over the right passage in the
        other language, so such chunks are judged by the dense ranking and by the question's
        words read across languages (:meth:`_crossing`) instead.
        """
        readable = _scripts(query) if mode == "hybrid" else set(self._languages)
        fused: dict[str, float] = {}
        for chunk_id in dense.keys() | lexical.keys() | crossing.keys():
            language = self.chunks[chunk_id].meta["language"]
            if language not in readable:
                # The words read across languages can lift a chunk, never sink one the dense
                # ranking placed: a question whose words the word list lacks says nothing
                # against it (development packs: cross-language MRR up, same-language level).
                fused[chunk_id] = max(
                    self._reciprocal(chunk_id, [dense, crossing]),
                    self._reciprocal(chunk_id, [dense]),
                )
                continue
            judges = [dense] if mode != "lexical" else []
            if mode != "dense":
                judges.append(lexical)
            fused[chunk_id] = self._reciprocal(chunk_id, judges)
        return fused

    def _reciprocal(self, chunk_id: str, judges: list[dict[str, int]]) -> float:
        """Reciprocal rank fusion: each judge's 1 / (k + rank), averaged over the judges (a
        judge that did not rank the chunk gives it nothing)."""
        contributions = [1.0 / (self._rrf_k + r[chunk_id]) for r in judges if chunk_id in r]
        return sum(contributions) / max(len(judges), 1)

    def _scope(self, filters: SearchFilters, audience: Audience, as_of: dt.date) -> Scope:
        as_of_int = date_to_int(as_of)
        superseded = frozenset(
            old for _, published, old in self._supersedes if published <= as_of_int
        )
        return Scope(filters=filters, audience=audience, superseded=superseded)

    def _dense(self, query: str, view: _ScopeView) -> list[str]:
        """Nearest chunks, each language ranked on its own and merged after adding the
        embedder's cross-language offset, so the best English passage can win a Japanese
        question (and the other way round)."""
        vector = self._query_vector(query)
        offset = self._kb.embedder.cross_language_offset
        asked_in = query_language(query)
        bonus = {
            language: offset if language != asked_in else 0.0
            for language in view.scope.filters.languages or self._languages
        }
        scored = [
            (sim + bonus[language], cid)
            for language, nearest in self._nearest(vector, view, bonus).items()
            for cid, sim in nearest
        ]
        scored.sort(reverse=True)
        return [cid for _, cid in scored[: self._candidates]]

    def _nearest(
        self, vector: Vectors, view: _ScopeView, bonus: dict[str, float]
    ) -> dict[str, list[tuple[str, float]]]:
        """Each language's nearest chunks in scope (up to ``candidates``), nearest first; a
        language's list may stop early where the rest could not reach the merged ranking.

        Chroma's ``where`` filter costs far more than its nearest-neighbour search (about 30 ms
        against 1 ms at 10,000 chunks, 300 ms against 2 ms at 100,000), so the languages the
        scope leaves common enough share one unfiltered query, filtered here; a language too
        rare in the scope for that is asked with a ``where`` filter.
        """
        wanted = {
            language: min(self._candidates, view.per_language.get(language, 0))
            for language in bonus
        }
        wanted = {language: n for language, n in wanted.items() if n}  # none in scope: no query
        common = {
            language: n
            for language, n in wanted.items()
            if self._fetch_for(view.per_language[language]) <= _MAX_FETCH
        }
        nearest, short = (
            self._nearest_unfiltered(vector, view, common, bonus) if common else ({}, [])
        )
        for language in wanted.keys() - common.keys() | set(short):
            nearest[language] = self._nearest_filtered(vector, view.scope, language)
        return nearest

    def _fetch_for(self, in_scope: int) -> int:
        """How many unfiltered neighbours should hold ``candidates`` of a language that has
        ``in_scope`` chunks in scope."""
        return math.ceil(_OVERFETCH * self._candidates * len(self._chunk_ids) / in_scope)

    def _nearest_unfiltered(
        self,
        vector: Vectors,
        view: _ScopeView,
        wanted: dict[str, int],
        bonus: dict[str, float],
    ) -> tuple[dict[str, list[tuple[str, float]]], list[str]]:
        """The nearest chunks per language from unfiltered queries, fetching more while a
        language is short and could still matter, up to :data:`_MAX_FETCH`; and the languages
        still short then."""
        fetch = max(self._fetch_for(view.per_language[language]) for language in wanted)
        n = min(_MAX_FETCH, max(2 * self._candidates, fetch))
        while True:
            found = self._kb.vectors.query(vector, n, None)
            nearest = self._admitted_by_language(found, view, list(wanted))
            short = [lang for lang, count in wanted.items() if len(nearest[lang]) < count]
            if (
                not short
                or len(found) < n  # all the index could reach
                or self._out_of_reach(nearest, short, bonus, found[-1][1])
            ):
                return nearest, []
            if n == _MAX_FETCH:
                return nearest, short
            n = min(_MAX_FETCH, 4 * n)

    def _out_of_reach(
        self,
        nearest: dict[str, list[tuple[str, float]]],
        short: list[str],
        bonus: dict[str, float],
        farthest: float,
    ) -> bool:
        """Whether no unfetched chunk of the ``short`` languages (none nearer than the
        ``farthest`` fetched) could enter the merged top ``candidates``, even with its
        language's bonus: then fetching more would change nothing."""
        merged = sorted(
            (sim + bonus[language] for language, hits in nearest.items() for _, sim in hits),
            reverse=True,
        )
        if len(merged) < self._candidates:
            return False
        floor = merged[self._candidates - 1]
        return all(farthest + bonus[language] < floor for language in short)

    def _admitted_by_language(
        self, found: list[tuple[str, float]], view: _ScopeView, languages: list[str]
    ) -> dict[str, list[tuple[str, float]]]:
        """The admitted chunks among ``found`` (nearest first), up to ``candidates`` per
        language."""
        nearest: dict[str, list[tuple[str, float]]] = {language: [] for language in languages}
        for cid, sim in found:
            position = self._positions.get(cid)
            if position is None or not view.admitted[position]:
                continue
            bucket = nearest.get(self.chunks[cid].meta["language"])
            if bucket is not None and len(bucket) < self._candidates:
                bucket.append((cid, sim))
        return nearest

    def _nearest_filtered(
        self, vector: Vectors, scope: Scope, language: str
    ) -> list[tuple[str, float]]:
        where = scope.restricted(language=language).chroma_where()
        return [
            (cid, sim)
            for cid, sim in self._kb.vectors.query(vector, self._candidates, where)
            if cid in self.chunks
        ]

    def _crossing(self, query: str, view: _ScopeView) -> list[str]:
        """Sections of the other language ranked by the question's words read in English
        (:mod:`retrieval.crossing`): BM25 over the units' English side, each section as good
        as its best unit, given as the section's first chunk."""
        if not self._units:
            return []
        scores = self._crossing_scores(query)
        best: dict[str, float] = {}
        for index in np.flatnonzero(scores > 0):
            unit = self._units[index]
            chunk_id = self._section_chunks.get((unit.doc_id, unit.anchor))
            if chunk_id is not None and view.admitted[self._positions[chunk_id]]:
                best[chunk_id] = max(best.get(chunk_id, 0.0), float(scores[index]))
        ranked = sorted(best, key=lambda cid: (-best[cid], self._positions[cid]))
        return ranked[: self._candidates]

    def _lexical(self, query: str, view: _ScopeView) -> list[str]:
        """The best BM25 matches in scope: a partial sort of the admitted, positive scores
        (ties broken by index order, as a stable full sort would)."""
        lexical = self._lexical_index
        scores = lexical.scores(tokenize(query))
        admitted = np.append(view.admitted, False)[self._lexical_rows]
        eligible = np.flatnonzero(admitted & (scores > 0))
        return [lexical.chunk_ids[i] for i in _best(scores, eligible, self._candidates)]

    def _pin(self, order: list[str], pinned_docs: set[str], scope: Scope) -> list[str]:
        """Move the best chunk of each pinned document to the front (its first chunk when
        neither ranker found it)."""
        front: list[str] = []
        for doc_id in sorted(pinned_docs, key=lambda d: _first_position(order, self.chunks, d)):
            best = next((cid for cid in order if self.chunks[cid].doc_id == doc_id), None)
            if best is None:
                best = next(
                    (
                        cid
                        for cid in self._doc_chunks.get(doc_id, ())
                        if scope.admits(self.chunks[cid].meta)
                    ),
                    None,
                )
            if best is not None:
                front.append(best)
        return front + [cid for cid in order if cid not in front]

    def _pinned_docs(self, query: str) -> set[str]:
        found: set[str] = set()
        for token in HYPHENATED_ID.findall(fold(query)):
            found |= self._identifiers.get(token, set())
        return found

    def _hit(
        self,
        chunk_id: str,
        score: float,
        dense_rank: int | None,
        lexical_rank: int | None,
        pinned_docs: set[str],
        crossing_rank: int | None = None,
    ) -> Hit:
        chunk = self.chunks[chunk_id]
        meta = chunk.meta
        return Hit(
            chunk_id=chunk_id,
            doc_id=chunk.doc_id,
            title=meta["title"],
            section=meta.get("section", ""),
            anchor=meta.get("anchor", ""),
            text=chunk.text,
            score=score,
            doc_type=meta["doc_type"],
            language=meta["language"],
            access=meta["access"],
            published=int_to_date(meta["published"]),
            deadline=int_to_date(meta["deadline"]) if "deadline" in meta else None,
            tender_id=meta.get("tender_id"),
            tech_areas=tuple(meta.get("tech_areas", ())),
            issuer=meta.get("issuer"),
            source_url=meta.get("source_url"),
            dense_rank=dense_rank,
            lexical_rank=lexical_rank,
            pinned=chunk.doc_id in pinned_docs,
            crossing_rank=crossing_rank,
        )


def _boilerplate(chunks: Iterable[ChunkRecord], min_documents: int = 3) -> frozenset[str]:
    seen: dict[str, set[str]] = {}
    for chunk in chunks:
        for line in chunk.text.splitlines():
            key = fold(line).strip()
            if len(key) >= 12:
                seen.setdefault(key, set()).add(chunk.doc_id)
    return frozenset(line for line, docs in seen.items() if len(docs) >= min_documents)


def query_language(text: str) -> str:
    """``ja`` when the text has kana or kanji, else ``en``."""
    return "ja" if JAPANESE.search(text) else "en"


def _scripts(query: str) -> set[str]:
    """Languages whose documents BM25 can match for this query (by the scripts it uses)."""
    tokens = tokenize(query)
    found = {"ja"} if any(JAPANESE.match(t) for t in tokens) else set()
    if any(t.isascii() for t in tokens):
        found.add("en")
    return found


def _best(
    scores: npt.NDArray[np.float64], eligible: npt.NDArray[np.intp], n: int
) -> npt.NDArray[np.intp]:
    """The ``n`` best-scoring ``eligible`` rows, best first and ties by row: the head of a
    stable sort of every score, from a partition of the eligible ones."""
    if len(eligible) > n:
        values = scores[eligible]
        nth = np.partition(values, len(values) - n)[len(values) - n]
        eligible = eligible[values >= nth]
    return eligible[np.lexsort((eligible, -scores[eligible]))][:n]


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _first_position(order: list[str], chunks: dict[str, ChunkRecord], doc_id: str) -> int:
    return next((i for i, cid in enumerate(order) if chunks[cid].doc_id == doc_id), len(order))

"""The record of what was ingested: one row per document (with its content hash) and per chunk.

It makes ingestion incremental, feeds the lexical index, and holds chunk text and metadata
for hits. A generation number changes with every write so readers know when to reload.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from retrieval.documents import Chunk, SourceDocument, date_to_int
from retrieval.index.embeddings import Vectors

if TYPE_CHECKING:
    from retrieval.ingestion.units import Unit

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source_path TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    body TEXT NOT NULL,
    published INTEGER NOT NULL,
    supersedes TEXT,
    chunk_count INTEGER NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    meta TEXT NOT NULL,
    tokens TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS units (
    unit_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    section TEXT NOT NULL,
    anchor TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    tokens TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS units_doc ON units(doc_id);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO state VALUES ('generation', '0');
"""


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    source_path: str
    content_hash: str
    published: int
    supersedes: str | None
    chunk_count: int


@dataclass(frozen=True)
class UnitRecord:
    """An evidence unit as stored, with its vector (computed once, at ingestion)."""

    unit_id: str
    doc_id: str
    section: str
    anchor: str
    kind: str
    text: str
    tokens: list[str]
    vector: Vectors


@dataclass(frozen=True)
class ChunkRecord:
    chunk_id: str
    doc_id: str
    text: str
    meta: dict[str, Any]
    tokens: list[str]


class Manifest:
    """SQLite file in the data directory; every change is one transaction.

    Each thread has its own connection (a sqlite3 connection is not safe to share: two
    threads' transactions would interleave on it), and SQLite's file locking orders writers
    across threads and processes alike.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._opened_lock = threading.Lock()
        conn = self._conn
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found not in (0, 1, SCHEMA_VERSION):
            raise RuntimeError(f"{path} has schema version {found}; expected {SCHEMA_VERSION}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            if found == 1:
                # Version 1 had no evidence units: forget the documents so that the next
                # ingest indexes every one again, units included.
                conn.execute("DELETE FROM documents")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @property
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self._path, check_same_thread=False, isolation_level=None, timeout=60
            )
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("UPDATE state SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._opened_lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()

    @property
    def generation(self) -> int:
        row = self._conn.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        return int(row[0])

    def state(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        with self._transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (key, value))

    def documents(self) -> dict[str, DocumentRecord]:
        rows = self._conn.execute(
            "SELECT doc_id, source_path, content_hash, published, supersedes, chunk_count "
            "FROM documents"
        ).fetchall()
        return {row[0]: DocumentRecord(*row) for row in rows}

    def document_body(self, doc_id: str) -> tuple[dict[str, Any], str] | None:
        row = self._conn.execute(
            "SELECT meta, body FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return None if row is None else (json.loads(row[0]), row[1])

    def chunks(self) -> list[ChunkRecord]:
        rows = self._conn.execute(
            "SELECT chunk_id, doc_id, text, meta, tokens FROM chunks ORDER BY doc_id, ordinal"
        ).fetchall()
        return [ChunkRecord(r[0], r[1], r[2], json.loads(r[3]), json.loads(r[4])) for r in rows]

    def units(self) -> list[UnitRecord]:
        rows = self._conn.execute(
            "SELECT unit_id, doc_id, section, anchor, kind, text, tokens, vector FROM units "
            "ORDER BY doc_id, ordinal"
        ).fetchall()
        return [
            UnitRecord(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                json.loads(r[6]),
                np.frombuffer(r[7], dtype=np.float32),
            )
            for r in rows
        ]

    def replace(
        self,
        document: SourceDocument,
        chunks: list[Chunk],
        tokens: list[list[str]],
        units: list[Unit] | None = None,
        unit_tokens: list[list[str]] | None = None,
        unit_vectors: Vectors | None = None,
    ) -> None:
        """One document, its chunks and its evidence units, in one transaction."""
        units = units or []
        meta = document.meta
        with self._transaction() as conn:
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (meta.id,))
            conn.execute(
                "INSERT INTO documents (doc_id, source_path, content_hash, meta, body, published,"
                " supersedes, chunk_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    meta.id,
                    str(document.path),
                    document.content_hash,
                    meta.model_dump_json(),
                    document.body,
                    date_to_int(meta.published),
                    meta.supersedes,
                    len(chunks),
                ),
            )
            conn.executemany(
                "INSERT INTO chunks (chunk_id, doc_id, ordinal, text, meta, tokens)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.chunk_id,
                        c.doc_id,
                        c.ordinal,
                        c.text,
                        json.dumps(c.flat_metadata(), ensure_ascii=False),
                        json.dumps(t, ensure_ascii=False),
                    )
                    for c, t in zip(chunks, tokens, strict=True)
                ],
            )
            conn.executemany(
                "INSERT INTO units (unit_id, doc_id, ordinal, section, anchor, kind, text,"
                " tokens, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        u.unit_id,
                        u.doc_id,
                        u.ordinal,
                        u.section,
                        u.anchor,
                        u.kind,
                        u.text,
                        json.dumps(t, ensure_ascii=False),
                        np.asarray(v, dtype=np.float32).tobytes(),
                    )
                    for u, t, v in zip(
                        units,
                        unit_tokens or [],
                        unit_vectors if unit_vectors is not None else [],
                        strict=True,
                    )
                ],
            )

    def remove(self, doc_id: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def clear(self) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM documents")

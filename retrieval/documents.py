"""The document model shared by ingestion and retrieval: metadata, documents and chunks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator

DocType = Literal["guideline", "tender_notice", "requirement_summary", "faq"]
Language = Literal["en", "ja"]
Access = Literal["public", "staff"]

DOC_TYPES: tuple[str, ...] = ("guideline", "tender_notice", "requirement_summary", "faq")


class DocumentMeta(BaseModel):
    """Front-matter fields. Unknown fields are ignored so newer corpora stay readable."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9-]+$", max_length=200)
    title: str = Field(min_length=1)
    doc_type: DocType
    language: Language
    published: dt.date
    deadline: dt.date | None = None
    tender_id: str | None = None
    issuer: str | None = None
    tech_areas: tuple[str, ...] = ()
    access: Access = "public"
    source_url: str | None = None
    supersedes: str | None = None

    @field_validator("tech_areas", mode="before")
    @classmethod
    def _areas_as_list(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("tech_areas")
    @classmethod
    def _lowercase_areas(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(area.strip().lower() for area in value)

    @field_validator("tender_id", "issuer", "source_url", "supersedes", mode="before")
    @classmethod
    def _stringify(cls, value: Any) -> Any:
        return None if value is None else str(value)

    @field_validator("source_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        """The document view links to it: only a web address (no ``javascript:``)."""
        if value is None:
            return None
        parsed = urlparse(value.strip())
        if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"source_url must be an http(s) address, not {value[:80]!r}")
        return value.strip()


@dataclass(frozen=True)
class SourceDocument:
    """A loaded document: metadata plus a Markdown body whose headings carry the structure."""

    meta: DocumentMeta
    body: str
    path: Path

    @property
    def content_hash(self) -> str:
        """Changes when the text or any metadata changes, so either triggers a re-index."""
        payload = json.dumps(self.meta.model_dump(mode="json"), sort_keys=True) + "\n" + self.body
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def with_heading(title: str, section: str, text: str) -> str:
    """A passage as it is embedded and indexed: its document's title and section path give a
    bare paragraph ("Hearings: late March") the context both rankers need, and tell a
    requirement summary's schedule from its tender notice's."""
    heading = " > ".join(part for part in (title, section) if part)
    return f"{heading}\n{text}" if heading else text


@dataclass(frozen=True)
class Chunk:
    """A token-bounded piece of one section, with everything needed to cite it."""

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    section: str
    anchor: str
    meta: DocumentMeta
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def search_text(self) -> str:
        return with_heading(self.meta.title, self.section, self.text)

    def flat_metadata(self) -> dict[str, str | int | float | bool | list[str]]:
        """Metadata in the flat form Chroma stores and filters on (dates as YYYYMMDD ints)."""
        meta = self.meta
        flat: dict[str, str | int | float | bool | list[str]] = {
            "doc_id": meta.id,
            "title": meta.title,
            "doc_type": meta.doc_type,
            "language": meta.language,
            "access": meta.access,
            "published": date_to_int(meta.published),
            "section": self.section,
            "anchor": self.anchor,
            "ordinal": self.ordinal,
        }
        if meta.deadline is not None:
            flat["deadline"] = date_to_int(meta.deadline)
        if meta.tender_id:
            flat["tender_id"] = meta.tender_id
        if meta.issuer:
            flat["issuer"] = meta.issuer
        if meta.tech_areas:
            flat["tech_areas"] = list(meta.tech_areas)
        if meta.source_url:
            flat["source_url"] = meta.source_url
        if meta.supersedes:
            flat["supersedes"] = meta.supersedes
        return flat


def date_to_int(value: dt.date) -> int:
    """Dates become sortable integers because Chroma filters compare numbers, not dates."""
    return value.year * 10000 + value.month * 100 + value.day


def int_to_date(value: int) -> dt.date:
    return dt.date(value // 10000, value // 100 % 100, value % 100)

"""Turn a source file (Markdown, text, HTML, PDF, DOCX) into a :class:`SourceDocument`.

Every loader yields Markdown-ish text whose headings mark sections, so chunking is the same
for all formats. Metadata comes from front matter (Markdown), a sidecar ``NAME.meta.yaml``,
or defaults derived from the path.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
import frontmatter
import yaml
from bs4 import BeautifulSoup
from docx.opc.exceptions import PackageNotFoundError
from pydantic import ValidationError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from retrieval.documents import DocumentMeta, SourceDocument
from retrieval.errors import DocumentError
from retrieval.text import JAPANESE, fold

SIDECAR_SUFFIX = ".meta.yaml"
MAX_FILE_BYTES = 20 * 1024 * 1024

_FOLDER_DOC_TYPES = {
    "guideline": "guideline",
    "guidelines": "guideline",
    "tender": "tender_notice",
    "tenders": "tender_notice",
    "tender_notices": "tender_notice",
    "requirement": "requirement_summary",
    "requirements": "requirement_summary",
    "requirement_summaries": "requirement_summary",
    "faq": "faq",
    "faqs": "faq",
}
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCK_TAGS = (*_HEADING_TAGS, "p", "li", "pre", "blockquote", "dt", "dd", "td", "th")


@dataclass(frozen=True)
class Loaded:
    """What a format loader found: the body, declared metadata and weaker hints (a <title>)."""

    body: str
    front_matter: dict[str, Any] = field(default_factory=dict)
    hints: dict[str, Any] = field(default_factory=dict)


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Every ingestible file under the given folders (and every file named), in a stable
    order."""
    for root in paths:
        if not root.is_dir():
            yield root  # named explicitly: load_document() says why if it is not a document
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and _is_document(path):
                yield path


def _is_document(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(SIDECAR_SUFFIX) or name.startswith((".", "readme.")):
        return False
    return path.suffix.lower() in LOADERS


def load_document(path: Path) -> SourceDocument:
    """Load one file; raise :class:`DocumentError` with a reason a person can act on."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(path, f"cannot read file ({exc.strerror})") from exc
    if size > MAX_FILE_BYTES:
        raise DocumentError(path, f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(path, f"unsupported file type '{path.suffix}'")
    loaded = loader(path)
    body = loaded.body.strip()
    if not body:
        raise DocumentError(path, "the document has no text")
    meta = _build_meta(path, loaded, body)
    return SourceDocument(meta=meta, body=body, path=path)


def _build_meta(path: Path, loaded: Loaded, body: str) -> DocumentMeta:
    """Precedence: path defaults < hints found in the file < sidecar < front matter."""
    fields = {
        **_defaults_from_path(path, body),
        **loaded.hints,
        **_read_sidecar(path),
        **loaded.front_matter,
    }
    try:
        return DocumentMeta.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'metadata'}: {err['msg']}"
            for err in exc.errors()
        )
        raise DocumentError(path, f"invalid metadata ({problems})") from exc


def _defaults_from_path(path: Path, body: str) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(path.stem)).strip("-")
    heading = re.search(r"^#\s+(.+)$", body, flags=re.MULTILINE)
    doc_type = next(
        (
            _FOLDER_DOC_TYPES[p.lower()]
            for p in reversed(path.parent.parts)
            if p.lower() in _FOLDER_DOC_TYPES
        ),
        "guideline",
    )
    cjk_share = len(JAPANESE.findall(body)) / max(len(body), 1)
    return {
        "id": slug or "document",
        "title": heading.group(1).strip() if heading else path.stem,
        "doc_type": doc_type,
        "language": "ja" if cjk_share > 0.1 else "en",
        "published": dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date(),
    }


def _read_sidecar(path: Path) -> dict[str, Any]:
    for sidecar in (
        path.with_name(path.stem + SIDECAR_SUFFIX),
        path.with_name(path.name + SIDECAR_SUFFIX),
    ):
        if sidecar.is_file():
            try:
                data = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise DocumentError(path, f"broken sidecar {sidecar.name}: {exc}") from exc
            if not isinstance(data, dict):
                raise DocumentError(path, f"sidecar {sidecar.name} is not a YAML mapping")
            return data
    return {}


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise DocumentError(path, "binary content in a text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(path, f"not valid UTF-8 text (byte {exc.start})") from exc


def _load_markdown(path: Path) -> Loaded:
    text = _read_text(path)
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise DocumentError(path, f"broken front matter: {exc}") from exc
    if text.lstrip().startswith("---") and not post.metadata:
        raise DocumentError(path, "broken front matter: no YAML mapping between '---' lines")
    return Loaded(body=post.content, front_matter=dict(post.metadata))


def _load_text(path: Path) -> Loaded:
    return Loaded(body=_read_text(path))


def _load_html(path: Path) -> Loaded:
    soup = BeautifulSoup(_read_text(path), "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "template"]):
        tag.decompose()
    lines: list[str] = []
    for element in soup.find_all(_BLOCK_TAGS):
        if element.find_parent(_BLOCK_TAGS) is not None:
            continue
        text = " ".join(element.get_text(" ", strip=True).split())
        if not text:
            continue
        name = element.name or ""
        if name in _HEADING_TAGS:
            lines.append("#" * int(name[1]) + " " + text)
        else:
            lines.append(("- " if name == "li" else "") + text)
    hints = {"title": soup.title.string.strip()} if soup.title and soup.title.string else {}
    return Loaded(body="\n\n".join(lines), hints=hints)


def _load_pdf(path: Path) -> Loaded:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise DocumentError(path, "encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise DocumentError(path, f"unreadable PDF ({exc})") from exc
    if not any(page.strip() for page in pages):
        raise DocumentError(path, "the PDF has no extractable text (a scan?)")
    hints = {"title": reader.metadata.title} if reader.metadata and reader.metadata.title else {}
    return Loaded(body="\n\n".join(page.strip() for page in pages), hints=hints)


def _load_docx(path: Path) -> Loaded:
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(path, f"unreadable DOCX ({exc})") from exc
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = re.match(r"Heading (\d)", style)
        if style == "Title":
            lines.append("# " + text)
        elif level:
            lines.append("#" * min(int(level.group(1)) + 1, 6) + " " + text)
        else:
            lines.append(text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    title = document.core_properties.title
    return Loaded(body="\n\n".join(lines), hints={"title": title} if title else {})


LOADERS: dict[str, Callable[[Path], Loaded]] = {
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".txt": _load_text,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}

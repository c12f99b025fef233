"""Source documents as HTML for the document view: Markdown rendered without raw HTML, each
section wrapped in a <section> whose id is the anchor citations link to."""

from __future__ import annotations

import html
import re
from typing import Any

from markdown_it import MarkdownIt

from retrieval.ingestion.chunking import slugify

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)

PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Dual-Use Desk</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Noto Sans JP",
  sans-serif; line-height: 1.6; margin: 0; color: #1f2933; background: #f7f8fa; }}
main {{ max-width: 46rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; background: #fff; }}
.meta {{ color: #52606d; font-size: .9rem; border-bottom: 1px solid #e4e7eb;
  padding-bottom: .75rem; }}
.meta dt {{ font-weight: 600; display: inline; }}
.meta dd {{ display: inline; margin: 0 1rem 0 .25rem; }}
section {{ padding: .25rem .75rem; border-left: 4px solid transparent; }}
section:target {{ background: #fff8d6; border-left-color: #e0a800; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #cbd2d9; padding: .25rem .5rem; }}
.note {{ font-size: .85rem; color: #7b8794; margin-top: 2rem; }}
</style>
</head>
<body>
<main>
<p><a href="/">← Dual-Use Desk</a></p>
<h1>{title}</h1>
<dl class="meta">{meta}</dl>
{body}
<p class="note">{note}</p>
</main>
</body>
</html>
"""

NOT_FOUND_NOTE = (
    "This document is not available: it may have been replaced or removed, or it is for "
    "institute staff only. / この文書は表示できません（差し替え・削除済み、または研究所内部向けの"
    "文書です）。"
)


def render_not_found() -> str:
    """What a browser shows for a document it may not open, in place of a JSON error."""
    return PAGE.format(
        lang="en",
        title="Document not available",
        meta="",
        body=f"<p>{html.escape(NOT_FOUND_NOTE)}</p>",
        note=html.escape("Ask the desk your question again, or ask institute staff."),
    )


_META_LABELS = {
    "doc_type": "Type",
    "tender_id": "Tender",
    "published": "Published",
    "deadline": "Deadline",
    "issuer": "Issuer",
}


def render_document(meta: dict[str, Any], body: str) -> str:
    """The whole page. Anchors follow the same rule as chunking, so citation links land on
    the section they cite."""
    rendered = sections_html(body, str(meta["title"]))
    details = "".join(
        f"<dt>{label}</dt><dd>{html.escape(str(meta[key]))}</dd>"
        for key, label in _META_LABELS.items()
        if meta.get(key)
    )
    if str(meta.get("source_url") or "").lower().startswith(("http://", "https://")):
        url = html.escape(str(meta["source_url"]))
        details += f'<dt>Source</dt><dd><a href="{url}" rel="noreferrer">{url}</a></dd>'
    note = (
        "本文書は説明用サンプルです。" if meta.get("language") == "ja" else ""
    ) + "Answers cite sections of indexed documents like this one; they may be incomplete."
    return PAGE.format(
        lang=html.escape(str(meta.get("language", "en"))),
        title=html.escape(str(meta["title"])),
        meta=details,
        body=rendered,
        note=html.escape(note),
    )


def sections_html(body: str, title: str) -> str:
    """A document's Markdown as HTML with its sections anchored the way chunking anchors them,
    so citation links (public view or staff view) land on the section they cite."""
    return _sectioned(_MARKDOWN.render(body), title)


def _sectioned(rendered: str, title: str) -> str:
    """Wrap each heading and the content up to the next heading in <section id=anchor>."""
    out: list[str] = []
    seen: dict[str, int] = {}
    position = 0
    open_section = False
    for match in _HEADING.finditer(rendered):
        out.append(rendered[position : match.start()])
        text = html.unescape(re.sub(r"<[^>]+>", "", match.group(2)))
        base = slugify(text)
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchor = base if count == 0 else f"{base}-{count}"
        if open_section:
            out.append("</section>\n")
        out.append(f'<section id="{html.escape(anchor)}">')
        open_section = True
        level = int(match.group(1))
        if level == 1 and text.strip() == title.strip():
            level = 2  # the page already shows the title as its <h1>
        out.append(f"<h{level}>{match.group(2)}</h{level}>")
        position = match.end()
    out.append(rendered[position:])
    if open_section:
        out.append("</section>")
    return "".join(out)

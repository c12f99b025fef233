"""The web chat page at `/` and its assets at `/static/{name}` and `/static/js/{name}` (the ES
modules the entry script imports; no build step).

Assets come from allow-lists (no file-system lookups with user input, so no path traversal),
and the page loads nothing from another host: no CDN, no external fonts.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from bot.http.assets import allow_listed

STATIC = Path(__file__).resolve().parent / "static"
JAVASCRIPT = "text/javascript; charset=utf-8"

# name -> media type; nothing else under /static is served.
ASSETS = {
    "app.js": JAVASCRIPT,
    "app.css": "text/css; charset=utf-8",
}

# The modules under static/js/ that app.js imports; nothing else under /static/js is served.
MODULES = frozenset(
    {
        "api.js",
        "ask.js",
        "conversation.js",
        "dom.js",
        "feedback.js",
        "i18n.js",
        "render.js",
        "state.js",
        "status.js",
        "store.js",
        "stream.js",
        "strings.js",
        "sync.js",
        "tickets.js",
    }
)

MODULE_TYPES = dict.fromkeys(MODULES, JAVASCRIPT)

# The security headers (CSP, nosniff, no framing) come from the app's middleware.
CACHE = {"Cache-Control": "no-cache"}

router = APIRouter(tags=["web"], include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    """The chat page."""
    return FileResponse(
        STATIC / "index.html",
        media_type="text/html; charset=utf-8",
        headers=CACHE,
    )


@router.get("/static/{name}")
def asset(name: str) -> FileResponse:
    """One of the page's own assets (allow-listed by name)."""
    return allow_listed(STATIC, ASSETS, name, CACHE)


@router.get("/static/js/{name}")
def module(name: str) -> FileResponse:
    """One of the chat's ES modules (allow-listed by name)."""
    return allow_listed(STATIC / "js", MODULE_TYPES, name, CACHE)

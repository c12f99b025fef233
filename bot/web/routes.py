"""The web chat page at `/` and its assets at `/static/{name}`.

Assets come from an allow-list (no file-system lookups with user input, so no path traversal),
and the page loads nothing from another host: no CDN, no external fonts.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent / "static"

# name -> media type; nothing else under /static is served.
ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}

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
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such asset.")
    return FileResponse(STATIC / name, media_type=media_type, headers=CACHE)

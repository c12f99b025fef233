"""Logging set-up shared by the CLI and every web worker (a worker started by uvicorn's
process manager is a fresh interpreter that inherits none of the parent's set-up)."""

from __future__ import annotations

import logging

from bot.config import Settings

_QUIET = ("chromadb", "httpx", "bm25s", "alembic")


def configure_logging(settings: Settings) -> None:
    """Our level and format; a no-op when logging is already configured (tests, embedding)."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    for noisy in _QUIET:
        logging.getLogger(noisy).setLevel(logging.WARNING)

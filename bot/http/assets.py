"""Static files by allow-list: a name is looked up in a fixed table, never joined to a path
from user input, so nothing outside the listed files can be served."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources.abc import Traversable
from pathlib import Path

from fastapi import HTTPException, status
from fastapi.responses import FileResponse


def allow_listed(
    folder: Path | Traversable,
    media_types: Mapping[str, str],
    name: str,
    headers: Mapping[str, str] | None = None,
) -> FileResponse:
    """``folder / name`` when ``name`` is listed (with its media type), else 404."""
    media_type = media_types.get(name)
    if media_type is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such asset.")
    return FileResponse(str(folder / name), media_type=media_type, headers=headers)

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bot.http.contract import refusals
from bot.http.deps import KnowledgeBaseDep

router = APIRouter(tags=["health"])


@router.get("/healthz", responses=refusals(503))
def healthz(kb: KnowledgeBaseDep) -> dict[str, Any]:
    """Liveness plus what is indexed, so an operator sees an empty index at a glance."""
    return {
        "status": "ok",
        "documents": len(kb.manifest.documents()),
        "chunks": kb.vectors.count(),
        "embedder": kb.embedder.name,
    }

"""Typed dependencies, so each route declares what it needs in its signature. The app builds
each component once, in its lifespan, and keeps it on ``app.state``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from bot.answer import AnswerEngine
from bot.escalation.tickets import TicketService
from bot.http.ratelimit import ConversationRateLimiter, LoginThrottle
from bot.store import Store
from retrieval import KnowledgeBase, Retriever


def _from_state(name: str) -> Callable[[Request], Any]:
    def component(request: Request) -> Any:
        return getattr(request.app.state, name)

    return component


RetrieverDep = Annotated[Retriever, Depends(_from_state("retriever"))]
KnowledgeBaseDep = Annotated[KnowledgeBase, Depends(_from_state("kb"))]
EngineDep = Annotated[AnswerEngine, Depends(_from_state("engine"))]
StoreDep = Annotated[Store, Depends(_from_state("store"))]
TicketsDep = Annotated[TicketService, Depends(_from_state("tickets"))]
LimiterDep = Annotated[ConversationRateLimiter, Depends(_from_state("limiter"))]
LoginThrottleDep = Annotated[LoginThrottle, Depends(_from_state("login_throttle"))]


def client_address(request: Request) -> str:
    """The client's address: the peer's, or the one a trusted proxy forwarded
    (``DUALUSE_TRUSTED_PROXIES``; the app's proxy-headers middleware has applied it)."""
    return request.client.host if request.client else "unknown"

"""Typed dependencies, so each route declares what it needs in its signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bot.answer import AnswerEngine
from bot.api.ratelimit import ConversationRateLimiter
from bot.escalation.tickets import TicketService
from bot.store import Store
from retrieval import KnowledgeBase, Retriever


def _retriever(request: Request) -> Retriever:
    retriever: Retriever = request.app.state.retriever
    return retriever


def _knowledge_base(request: Request) -> KnowledgeBase:
    kb: KnowledgeBase = request.app.state.kb
    return kb


def _engine(request: Request) -> AnswerEngine:
    engine: AnswerEngine = request.app.state.engine
    return engine


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _tickets(request: Request) -> TicketService:
    tickets: TicketService = request.app.state.tickets
    return tickets


def _limiter(request: Request) -> ConversationRateLimiter:
    limiter: ConversationRateLimiter = request.app.state.limiter
    return limiter


RetrieverDep = Annotated[Retriever, Depends(_retriever)]
KnowledgeBaseDep = Annotated[KnowledgeBase, Depends(_knowledge_base)]
EngineDep = Annotated[AnswerEngine, Depends(_engine)]
StoreDep = Annotated[Store, Depends(_store)]
TicketsDep = Annotated[TicketService, Depends(_tickets)]
LimiterDep = Annotated[ConversationRateLimiter, Depends(_limiter)]

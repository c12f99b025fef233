"""Typed dependencies, so each route declares what it needs in its signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from retrieval import KnowledgeBase, Retriever


def _retriever(request: Request) -> Retriever:
    retriever: Retriever = request.app.state.retriever
    return retriever


def _knowledge_base(request: Request) -> KnowledgeBase:
    kb: KnowledgeBase = request.app.state.kb
    return kb


RetrieverDep = Annotated[Retriever, Depends(_retriever)]
KnowledgeBaseDep = Annotated[KnowledgeBase, Depends(_knowledge_base)]

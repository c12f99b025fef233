"""The answer engine: question → conversation context → retrieval → grounded, cited answer →
escalation when the policy says so. Every channel (CLI, web, Slack) and the evaluations call
this one class."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.answer.anchors import fiscal_years, mentions_fiscal_year
from bot.answer.answer_types import asked_types
from bot.answer.citations import StreamingMarkerFilter, tidy
from bot.answer.extractive import Draft, ExtractiveComposer
from bot.answer.followups import candidate_queries
from bot.answer.generative import ChatGenerator, GenerationError
from bot.answer.language import detect_language, phrase
from bot.answer.models import Answer, Citation, Lang, QuestionError
from bot.answer.tenders import TenderDesk
from bot.escalation.policy import LOW_CONFIDENCE, USER_REQUEST, Decision, EscalationPolicy
from bot.store import NewTicket, Store
from bot.store.store import TICKET_PLACEHOLDER
from retrieval import Hit, Retriever
from retrieval.filters import Audience

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000


@dataclass(frozen=True)
class Delta:
    """A piece of answer text, as it is produced."""

    text: str


@dataclass(frozen=True)
class Reset:
    """Discard the text streamed so far (the model failed mid-answer; the final answer
    follows)."""


@dataclass(frozen=True)
class Final:
    answer: Answer


Event = Delta | Reset | Final


@dataclass(frozen=True)
class _Context:
    question: str
    lang: Lang
    unsupported_language: bool
    conversation_id: str
    query: str
    hits: list[Hit]
    audience: Audience
    channel: str
    reply_to: dict[str, Any] | None


class AnswerEngine:
    def __init__(
        self,
        retriever: Retriever,
        composer: ExtractiveComposer,
        store: Store,
        policy: EscalationPolicy,
        generator: ChatGenerator | None = None,
        passages: int = 6,
        max_question_chars: int = MAX_QUESTION_CHARS,
    ) -> None:
        self._retriever = retriever
        self._composer = composer
        self._store = store
        self._policy = policy
        self._generator = generator
        self._tenders = TenderDesk(retriever)
        self._passages = passages
        self._max_chars = max_question_chars

    def ask(
        self,
        question: str,
        conversation_id: str | None = None,
        *,
        audience: Audience = "startup",
        as_of: dt.date | None = None,
        channel: str = "cli",
        reply_to: dict[str, Any] | None = None,
        history: Sequence[tuple[str, str]] | None = None,
    ) -> Answer:
        """Answer in one piece (see :meth:`stream` for the same answer as it is produced)."""
        for event in self.stream(
            question,
            conversation_id,
            audience=audience,
            as_of=as_of,
            channel=channel,
            reply_to=reply_to,
            history=history,
        ):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("stream() always ends with a Final event")

    def stream(
        self,
        question: str,
        conversation_id: str | None = None,
        *,
        audience: Audience = "startup",
        as_of: dt.date | None = None,
        channel: str = "cli",
        reply_to: dict[str, Any] | None = None,
        history: Sequence[tuple[str, str]] | None = None,
    ) -> Iterator[Event]:
        """Deltas of the answer text, then the final :class:`Answer` (recorded in the store,
        with a ticket when the policy escalates)."""
        question = self._check(question)
        as_of = as_of or dt.date.today()
        lang, unsupported = detect_language(question)
        conversation = self._store.conversation(
            conversation_id, channel=channel, audience=audience, reply_to=reply_to
        )
        if history is None:
            history = self._history(conversation.id)
        queries = candidate_queries(question, history, self._generator)
        metadata, query = None, queries[0]
        for candidate in queries:
            metadata = self._tenders.answer(candidate, lang, audience, as_of)
            if metadata is not None:
                query = candidate
                break
        draft_body, missing = "", []
        if metadata is not None:
            hits = self._search(query, audience, as_of)
            body, citations, confidence = metadata.body, metadata.citations, 1.0
        else:
            query, hits, draft = self._best_draft(question, queries, lang, audience, as_of)
            body, citations, confidence = draft.body, draft.citations, draft.confidence
            missing = self._missing_anchors(question, hits, as_of)
            if missing:
                log.info("the documents never mention %s; not answering from prose", missing)
                confidence = 0.0
            draft_body = draft.body
            if draft.body:
                body = phrase("intro", lang) + "\n" + draft.body
        context = _Context(
            question, lang, unsupported, conversation.id, query, hits, audience, channel, reply_to
        )

        decision = self._decide(question, lang, confidence, conversation.id, audience)
        if missing and decision.reason == LOW_CONFIDENCE:  # tell staff why, precisely
            decision = Decision(True, LOW_CONFIDENCE, f"No document mentions {', '.join(missing)}.")
        grounded = confidence >= self._policy.threshold(lang)
        if decision.reason == USER_REQUEST and metadata is None:
            body, citations, grounded = "", [], False  # a request for a person is not a topic
        elif not grounded and confidence > 0.0 and body:
            # Whatever the documents do say, cited and labelled as partial.
            body = phrase("not_found", lang) + "\n" + phrase("partial", lang) + "\n" + draft_body
        elif not grounded:
            body, citations = phrase("not_found", lang), []
        if unsupported:
            body = phrase("unsupported_language", lang) + "\n" + body

        if grounded and metadata is None and self._generator is not None:
            generated = yield from self._generate(context, body)
            if generated is not None:
                body, citations = generated
        elif body:
            yield Delta(body)

        separator = "\n\n" if body else ""
        if decision.escalate:
            body += separator + phrase("escalated", lang, ticket=TICKET_PLACEHOLDER)
        answer = self._record(context, body, citations, confidence, decision)
        if answer.ticket_id is not None:
            yield Delta(separator + phrase("escalated", lang, ticket=answer.ticket_id))
        yield Final(answer)

    def _best_draft(
        self, question: str, queries: list[str], lang: Lang, audience: Audience, as_of: dt.date
    ) -> tuple[str, list[Hit], Draft]:
        """The query the documents answer best: a short question asked mid-conversation is
        tried alone and with the previous topic carried over ("提案書は何枚まで？" after a
        question about CYB-002), and the carried topic wins only if it answers better."""
        kinds = asked_types(question)  # what the user asked for, not the carried-over topic
        best: tuple[str, list[Hit], Draft] | None = None
        for query in queries:
            hits = self._search(query, audience, as_of)
            draft = self._composer.compose(query, lang, hits, kinds)
            if best is None or draft.confidence > best[2].confidence:
                best = (query, hits, draft)
        assert best is not None
        return best

    def _missing_anchors(self, question: str, hits: list[Hit], as_of: dt.date) -> list[str]:
        """What the question is about that the documents never mention: a name no document
        uses (DASA), or a fiscal year none of the passages found speaks of (FY2028)."""
        missing = self._retriever.unknown_names(question)
        missing += [
            f"FY{year}"
            for year in sorted(fiscal_years(question, as_of))
            if not any(mentions_fiscal_year(hit.text, year) for hit in hits)
        ]
        return missing

    def _search(self, query: str, audience: Audience, as_of: dt.date) -> list[Hit]:
        return self._retriever.search(query, k=self._passages, audience=audience, as_of=as_of)

    def _history(self, conversation_id: str) -> list[tuple[str, str]]:
        """Recent turns; a user turn is replaced by the standalone query it was resolved to,
        so a follow-up of a follow-up still carries the original topic."""
        history: list[tuple[str, str]] = []
        for message in self._store.messages(conversation_id, limit=8):
            query = message.meta.get("query") if message.role == "assistant" else None
            if query and history and history[-1][0] == "user":
                history[-1] = ("user", str(query))
            history.append((message.role, message.content))
        return history

    def _check(self, question: str) -> str:
        question = question.strip()
        if not question:
            raise QuestionError("The question is empty.")
        if len(question) > self._max_chars:
            raise QuestionError(
                f"The question is {len(question)} characters long; the limit is "
                f"{self._max_chars}. Please shorten it."
            )
        return question

    def _decide(
        self, question: str, lang: Lang, confidence: float, conversation_id: str, audience: str
    ) -> Decision:
        if audience not in self._policy.audiences:
            return Decision(False)
        before = self._policy.before_answering(question)
        if before.escalate:
            return before
        negative = self._store.negative_feedback_count(conversation_id)
        return self._policy.after_answering(confidence, lang, negative)

    def _generate(
        self, context: _Context, fallback: str
    ) -> Generator[Event, None, tuple[str, list[Citation]] | None]:
        """Stream the model's answer through the citation filter; on any failure, or an
        answer left without a valid citation, fall back to the extractive ``fallback``."""
        assert self._generator is not None
        passages = self._generator.select_passages(context.hits)
        marker_filter = StreamingMarkerFilter(passages)
        pieces: list[str] = []
        try:
            for delta in self._generator.stream(context.question, context.lang, passages):
                for text in marker_filter.feed(delta):
                    pieces.append(text)
                    yield Delta(text)
            tail = marker_filter.flush()
            pieces.append(tail)
            yield Delta(tail)
        except GenerationError as exc:
            log.warning("generative answer failed, using the extractive one: %s", exc)
            if pieces:
                yield Reset()
            yield Delta(fallback)
            return None
        text, citations = tidy("".join(pieces)), marker_filter.renumberer.citations
        if not citations:
            log.warning("generated answer cited no given passage; using the extractive one")
            yield Reset()
            yield Delta(fallback)
            return None
        return text, citations

    def _record(
        self,
        context: _Context,
        body: str,
        citations: list[Citation],
        confidence: float,
        decision: Decision,
    ) -> Answer:
        retrieved = [
            {
                "doc_id": h.doc_id,
                "title": h.title,
                "section": h.section,
                "url": h.url,
                "score": round(h.score, 5),
            }
            for h in context.hits
        ]
        ticket = None
        if decision.escalate:
            ticket = NewTicket(
                question=context.question,
                reason=decision.reason or "unspecified",
                reason_detail=decision.detail or "",
                retrieved=retrieved,
                channel=context.channel,
                reply_to=context.reply_to,
                lang=context.lang,
            )
        citation_dicts = [c.__dict__ for c in citations]
        _, _, created = self._store.record_turn(
            context.conversation_id,
            context.question,
            body,
            citation_dicts,
            {"confidence": round(confidence, 4), "lang": context.lang, "query": context.query},
            ticket,
        )
        ticket_ref = created.ref if created is not None else None
        return Answer(
            answer=body.replace(TICKET_PLACEHOLDER, ticket_ref or ""),
            citations=citations,
            escalated=decision.escalate,
            ticket_id=ticket_ref,
            confidence=confidence,
            lang=context.lang,
            conversation_id=context.conversation_id,
            reason=decision.reason,
            retrieved=retrieved,
        )


__all__ = ["Answer", "AnswerEngine", "Delta", "Event", "Final", "QuestionError", "Reset"]

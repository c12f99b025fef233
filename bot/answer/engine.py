"""The answer engine: question → conversation context → retrieval → grounded, cited answer →
escalation when the policy says so. Every channel (CLI, web, Slack) and the evaluations call
this one class."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bot.answer.anchors import fiscal_years, mentions_fiscal_year
from bot.answer.answer_types import asked_types
from bot.answer.citations import StreamingMarkerFilter, append_cited, tidy
from bot.answer.extractive import Draft, ExtractiveComposer
from bot.answer.generative import ChatGenerator, GenerationError
from bot.answer.intents import GREETING, OFF_TOPIC, InternalRequest, QuestionClassifier
from bot.answer.language import detect_language, phrase, unframed
from bot.answer.models import Answer, Citation, Lang, QuestionError
from bot.answer.ranking import UnitRanker
from bot.answer.tenders import LISTING, OTHER, MetadataAnswer, TenderDesk
from bot.escalation.policy import USER_REQUEST, Decision, EscalationPolicy
from bot.escalation.tickets import TicketService
from bot.store import NewTicket, Store
from retrieval import Hit, Retriever
from retrieval.filters import Audience

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000
#: Above this follow-up probability a message that reads as small talk on its own is not
#: turned away: it leans on the desk question before it ("パネルは何枚作るの？").
SURE_FOLLOW_UP = 0.9
#: Units nearest the question taken from anywhere the user may look, beyond the retrieved
#: sections.
NEAREST_UNITS = 8
#: A follow-up is answered from the documents its carried search ranks first ("and how many
#: targets at once?" after a counter-drone question is not about the sonar requirement):
#: two, chosen on the training corpora's follow-ups (74 of 92 answered, against 72 with all
#: six sections' documents and 70 with one).
TOPIC_DOCUMENTS = 2
#: How much of the last answer a follow-up's search carries.
GIST_CHARS = 200


def carried_query(question: str, history: Sequence[tuple[str, str]]) -> str:
    """A follow-up searched with its topic: the previous question and the opening of the
    answer it got, which often names what the question only implied ("Is the perimeter drone
    call still open?" / "Yes, KSK-29-DRN-001 …" / "what about the page limit?"). Only the
    opening: the rest of a quoted answer pulls the search toward its own details (on the
    follow-ups of the dev and training packs, asked after the engine's own answers, 132 of
    158 answered with the opening, 128 with the whole answer, 127 with the question alone).
    """
    previous, answer = _last(history, "user") or "", _last(history, "assistant") or ""
    return " ".join(p for p in (previous, unframed(answer)[:GIST_CHARS], question) if p)


def _last(history: Sequence[tuple[str, str]], role: str) -> str | None:
    return next((text for said_by, text in reversed(history) if said_by == role), None)


def _missing_years(question: str, draft: Draft, as_of: dt.date) -> list[str]:
    """Fiscal years the question is about that the quoted units (with their sections'
    headings) do not speak of: a question about FY2025's budget is not answered by FY2024's,
    even when some other passage found mentions FY2025 (held out on seven unused training
    corpora, 10 unanswerable questions escalated, no answerable one newly lost)."""
    quoted = " ".join([draft.body, *(f"{c.title} {c.section}" for c in draft.citations)])
    return [
        f"FY{year}"
        for year in sorted(fiscal_years(question, as_of))
        if not mentions_fiscal_year(quoted, year)
    ]


def _on_topic(hits: list[Hit]) -> list[Hit]:
    documents = list(dict.fromkeys(hit.doc_id for hit in hits))[:TOPIC_DOCUMENTS]
    return [hit for hit in hits if hit.doc_id in documents]


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


@dataclass(frozen=True)
class _Framed:
    """An answer's text and sources as they take shape, and whether the documents answer."""

    body: str
    citations: list[Citation]
    confidence: float
    grounded: bool
    missing: str = ""


@dataclass(frozen=True)
class _Turns:
    history: list[tuple[str, str]]  # (role, text), oldest first
    previous_units: tuple[str, ...]  # the units the last answer quoted

    @property
    def previous_question(self) -> str | None:
        return _last(self.history, "user")


class AnswerEngine:
    def __init__(
        self,
        retriever: Retriever,
        composer: ExtractiveComposer,
        store: Store,
        tickets: TicketService,
        policy: EscalationPolicy,
        classifier: QuestionClassifier,
        ranker: UnitRanker,
        generator: ChatGenerator | None = None,
        passages: int = 6,
        max_question_chars: int = MAX_QUESTION_CHARS,
    ) -> None:
        self._retriever = retriever
        self._composer = composer
        self._store = store
        self._tickets = tickets
        self._policy = policy
        self._classifier = classifier
        self._ranker = ranker
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
        open_ticket: bool = True,
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
            open_ticket=open_ticket,
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
        open_ticket: bool = True,
    ) -> Iterator[Event]:
        """Deltas of the answer text, then the final :class:`Answer` (recorded in the store,
        with a ticket when the policy escalates, unless ``open_ticket`` is off: then the
        answer says it would escalate and why, and no one is left waiting). Every decision (in
        scope, sensitive, answerable) is taken before the first word, with or without a model
        server."""
        question = self._check(question)
        as_of = as_of or dt.date.today()
        lang, unsupported = detect_language(question)
        conversation = self._store.conversation(
            conversation_id, channel=channel, audience=audience, reply_to=reply_to
        )
        turns = self._turns(conversation.id) if history is None else _Turns(list(history), ())
        routing = self._classifier.routing(question)
        refused, sensitive_kind = routing.refused, routing.sensitive_kind
        declined = self._declined(
            question, turns, sensitive_kind is not None, unsupported, routing.internal
        )
        if declined is not None:
            yield from self._decline(question, lang, declined, conversation.id, channel)
            return
        asked = self._classifier.public_part(question) if refused else question
        query, hits, draft, metadata = self._answer_draft(asked, turns, lang, audience, as_of)
        grounding = self._grounding(asked, draft, metadata, as_of)
        context = _Context(
            question, lang, unsupported, conversation.id, query, hits, audience, channel, reply_to
        )
        decision = self._policy.decide(
            audience=audience,
            sensitive_kind=sensitive_kind,
            grounded=grounding.grounded or refused,
            negative_feedback=self._store.negative_feedback_count(conversation.id),
            missing=grounding.missing,
        )
        framed = self._framed(grounding, decision, metadata is not None, refused, context)
        yield from self._deliver(
            context,
            framed,
            decision,
            draft,
            generate=framed.grounded and metadata is None,
            open_ticket=open_ticket,
        )

    def _declined(
        self,
        question: str,
        turns: _Turns,
        sensitive: bool,
        unsupported: bool,
        internal: InternalRequest,
    ) -> str | None:
        """The scope label to turn the question away with, or None to answer it. A sensitive
        matter is never turned away, nor a request for the desk's internal material the
        internal model is surer of than the scope model is of its label ("show me the scoring
        weights for Kestrel" reads as off-topic, "write me a Python function" as an injection).
        A language the scope model was not fitted on is not judged by it, and neither is a
        follow-up that leans on the desk question before it ("パネルは何枚作るの？" reads as
        small talk on its own)."""
        scope = self._classifier.scope(question)
        if not scope.declined or sensitive or unsupported:
            return None
        if internal.asks and internal.probability > scope.probability:
            return None
        if scope.label == OFF_TOPIC and self._continues(question, turns):
            return None
        return scope.label

    def _grounding(
        self,
        question: str,
        draft: Draft,
        metadata: MetadataAnswer | None,
        as_of: dt.date,
    ) -> _Framed:
        """The draft, and whether it answers: metadata always does; prose when the ranking
        says so, and never for a fiscal year the quoted passages do not speak of."""
        if metadata is not None:
            return _Framed(metadata.body, metadata.citations, 1.0, grounded=True)
        confidence, missing = draft.confidence, ""
        years = _missing_years(question, draft, as_of)
        if years:
            missing, confidence = f"No quoted passage speaks of {', '.join(years)}.", 0.0
        grounded = confidence >= self._ranker.answerable_threshold
        return _Framed(draft.body, draft.citations, confidence, grounded, missing)

    @staticmethod
    def _framed(
        grounding: _Framed,
        decision: Decision,
        from_metadata: bool,
        refused: bool,
        context: _Context,
    ) -> _Framed:
        """The words around the quotes: an introduction to a grounded answer, "not found"
        (or "not public") before a partial one, nothing for a request for a person."""
        body, citations, grounded, lang = (
            grounding.body,
            grounding.citations,
            grounding.grounded,
            context.lang,
        )
        lead = phrase("internal" if refused else "not_found", lang)
        if decision.reason == USER_REQUEST and not from_metadata:
            body, citations, grounded = "", [], False  # a request for a person is not a topic
        elif grounded and not from_metadata and body:
            body = phrase("intro", lang) + "\n" + body
        elif not grounded and body:
            body = lead + "\n" + phrase("partial", lang) + "\n" + body  # cited, labelled partial
        elif not grounded:
            body, citations = lead, []
        if context.unsupported_language:
            body = phrase("unsupported_language", lang) + "\n" + body
        return dataclasses.replace(grounding, body=body, citations=citations, grounded=grounded)

    def _deliver(
        self,
        context: _Context,
        framed: _Framed,
        decision: Decision,
        draft: Draft,
        *,
        generate: bool,
        open_ticket: bool,
    ) -> Iterator[Event]:
        """Record the turn (and its ticket) before the first word is sent, so a client that
        leaves mid-stream loses neither; then stream. A model's answer, when one is
        configured, replaces the extractive one in the store once it is complete."""
        body, citations, lang = framed.body, framed.citations, context.lang
        separator = "\n\n" if body else ""
        if decision.escalate and not open_ticket:
            reason = decision.detail or str(decision.reason)
            body, separator = body + separator + phrase("would_escalate", lang, reason=reason), ""

        def stored(ticket: str | None) -> str:
            """The answer as stored: with the ticket's reference once the ticket exists."""
            notice = phrase("escalated", lang, ticket=ticket) if ticket else ""
            return body + separator + notice if notice else body

        answer = self._record(
            context, stored, citations, framed.confidence, decision, draft.units, open_ticket
        )
        if generate and self._generator is not None:
            generated = yield from self._generate(context, body, draft)
            if generated is not None:
                answer = self._revise(answer, *generated)
        elif body:
            yield Delta(body)
        if answer.ticket_id is not None:
            yield Delta(separator + phrase("escalated", lang, ticket=answer.ticket_id))
        yield Final(answer)

    def _continues(self, question: str, turns: _Turns) -> bool:
        previous = turns.previous_question
        return previous is not None and (
            self._classifier.depends_on_conversation(question, previous) >= SURE_FOLLOW_UP
        )

    def _decline(
        self, question: str, lang: Lang, label: str, conversation_id: str, channel: str
    ) -> Iterator[Event]:
        """Not a question for the desk: say what it helps with (or greet), no sources, no
        ticket."""
        body = phrase("greeting" if label == GREETING else "declined", lang)
        _, message, _ = self._tickets.record_turn(
            conversation_id,
            question,
            body,
            [],
            {"confidence": 0.0, "lang": lang, "declined": label},
        )
        yield Delta(body)
        yield Final(
            Answer(
                answer=body,
                citations=[],
                escalated=False,
                ticket_id=None,
                confidence=0.0,
                lang=lang,
                conversation_id=conversation_id,
                reason=label,
                declined=True,
                message_id=message.id,
            )
        )

    def _answer_draft(
        self, question: str, turns: _Turns, lang: Lang, audience: Audience, as_of: dt.date
    ) -> tuple[str, list[Hit], Draft, MetadataAnswer | None]:
        """The question searched on its own or, when the follow-up model says it leans on the
        conversation, with the previous topic carried over; a carried search that only
        repeats the previous answer is dropped for the question on its own. (Trying both
        and keeping the surer answer lost a follow-up on the development packs and gained
        none on the training corpora: both answers are usually sure.)"""
        previous = turns.previous_question
        depends = self._classifier.depends_on_conversation(question, previous) if previous else 0
        if previous is None or depends < self._classifier.follow_up_threshold:
            return self._draft(question, question, "", lang, audience, as_of)
        # A configured model rewrites the follow-up into one standalone question; offline,
        # the previous exchange is carried into the search.
        query = (
            self._generator.rewrite(question, turns.history)
            if self._generator is not None
            else carried_query(question, turns.history)
        )
        carried = self._draft(query, question, previous, lang, audience, as_of)
        repeats = (
            carried[3] is None  # a deadline asked again is answered again
            and bool(carried[2].units)
            and set(carried[2].units) == set(turns.previous_units)
        )
        if repeats:
            return self._draft(question, question, "", lang, audience, as_of)
        return carried

    def _draft(
        self,
        query: str,
        question: str,
        topic: str,
        lang: Lang,
        audience: Audience,
        as_of: dt.date,
    ) -> tuple[str, list[Hit], Draft, MetadataAnswer | None]:
        hits = self._search(query, audience, as_of)
        intent = self._classifier.tender_intent(question)
        if intent == LISTING and topic and self._classifier.tender_intent(topic) != LISTING:
            # A follow-up lists tenders only when its topic asked for a list too:
            # 「経過措置ってあるんだっけ？」 after a question on qualification papers is no listing.
            intent = OTHER
        metadata = self._tenders.answer(question, intent, lang, audience, as_of, topic, hits)
        if metadata is not None and intent == LISTING:
            return query, hits, Draft(metadata.body, metadata.citations, 1.0), metadata
        # The carried topic finds the sections; the user's own words pick what in them
        # answers ("and for buying goods?" after a question on small-value contracts).
        # A follow-up's own words are too vague to search everywhere ("and for goods?"):
        # its units come from the sections the carried search found.
        nearest = 0 if topic else NEAREST_UNITS
        matches, hits = self._retriever.units(
            question, _on_topic(hits) if topic else hits, audience, as_of, nearest
        )
        kinds = asked_types(question)
        ranking = self._ranker.rank(
            question, lang, kinds, matches, self._retriever.cross_language_offset
        )
        draft = self._composer.compose(ranking, lang, hits, kinds)
        if metadata is None:
            return query, hits, draft, None
        # A deadline from metadata, and whatever else the question asks ("the briefing
        # date, and when does it close?") from the documents, when they answer it.
        if draft.body and draft.confidence >= self._ranker.answerable_threshold:
            body, citations = append_cited(
                metadata.body, metadata.citations, draft.body, draft.citations
            )
            metadata = MetadataAnswer(body, citations)
        return query, hits, Draft(metadata.body, metadata.citations, 1.0, draft.units), metadata

    def _search(self, query: str, audience: Audience, as_of: dt.date) -> list[Hit]:
        return self._retriever.search(query, k=self._passages, audience=audience, as_of=as_of)

    def _turns(self, conversation_id: str) -> _Turns:
        """Recent turns; a user turn is replaced by the standalone query it was resolved to,
        so a follow-up of a follow-up still carries the original topic."""
        history: list[tuple[str, str]] = []
        units: tuple[str, ...] = ()
        for message in self._store.messages(conversation_id, limit=8):
            query = message.meta.get("query") if message.role == "assistant" else None
            if query and history and history[-1][0] == "user":
                history[-1] = ("user", str(query))
            if message.role == "assistant":
                units = tuple(message.meta.get("units", ()))
            history.append((message.role, message.content))
        return _Turns(history, units)

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

    def _generate(
        self, context: _Context, fallback: str, draft: Draft
    ) -> Generator[Event, None, tuple[str, list[Citation]] | None]:
        """Stream the model's answer through the citation filter; on any failure, or an
        answer left without a valid citation, fall back to the extractive ``fallback``. The
        model reads the same ranked units the extractive answer chose from."""
        assert self._generator is not None
        passages = self._generator.select_passages(draft.passages or context.hits)
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
        text: Callable[[str | None], str],
        citations: list[Citation],
        confidence: float,
        decision: Decision,
        units: Sequence[str] = (),
        open_ticket: bool = True,
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
        if decision.escalate and open_ticket:
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
        _, message, created = self._tickets.record_turn(
            context.conversation_id,
            context.question,
            text,
            citation_dicts,
            {
                "confidence": round(confidence, 4),
                "lang": context.lang,
                "query": context.query,
                "units": list(units),
            },
            ticket,
        )
        ticket_ref = created.ref if created is not None else None
        return Answer(
            answer=message.content,
            citations=citations,
            escalated=decision.escalate,
            ticket_id=ticket_ref,
            confidence=confidence,
            lang=context.lang,
            conversation_id=context.conversation_id,
            reason=decision.reason,
            retrieved=retrieved,
            message_id=message.id,
        )

    def _revise(self, answer: Answer, body: str, citations: list[Citation]) -> Answer:
        """The model's answer in place of the extractive one recorded before streaming."""
        text = body
        if answer.ticket_id is not None:
            text += "\n\n" + phrase("escalated", answer.lang, ticket=answer.ticket_id)
        assert answer.message_id is not None
        self._store.revise_answer(answer.message_id, text, [c.__dict__ for c in citations])
        return dataclasses.replace(answer, answer=text, citations=citations)


__all__ = ["Answer", "AnswerEngine", "Delta", "Event", "Final", "QuestionError", "Reset"]

"""The staff JSON API (``/api/staff``): the same queue, tickets, actions and overview as the
pages. Every route needs a staff session (401 otherwise); every change also needs the
session's CSRF token in ``X-CSRF-Token`` (403 otherwise)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from bot.http.contract import NonBlankText, PlainText, refusals
from bot.http.deps import StoreDep, TicketsDep
from bot.http.errors import validation_detail
from bot.staff.auth import CSRF_HEADER
from bot.staff.deps import CurrentStaff, StaffChange
from bot.staff.overview import GROUPING, build_overview
from bot.store import TICKET_STATES, InvalidTransitionError, Message, Ticket

#: Every route needs a session (401); a change also needs the CSRF header (403) and a ticket
#: that exists (404) in a state that allows it (409).
router = APIRouter(prefix="/api/staff", tags=["staff"], responses=refusals(401))
NO_TICKET = {404: "No such ticket."}
READ_TICKET = refusals(404, 422, notes=NO_TICKET)
CHANGE = refusals(400, 403, 404, 409, 413, 422, notes=NO_TICKET)


class Me(BaseModel):
    email: str
    csrf_token: str = Field(description=f"Send it in {CSRF_HEADER} with every POST.")


class EventOut(BaseModel):
    from_state: str | None
    to_state: str
    actor: str
    note: str | None
    created_at: dt.datetime


class TicketSummary(BaseModel):
    ref: str
    state: str
    question: str
    reason: str
    reason_detail: str
    channel: str
    lang: str
    assignee: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    age_seconds: int

    @classmethod
    def of(cls, ticket: Ticket) -> TicketSummary:
        age = dt.datetime.now(dt.UTC) - ticket.created_at
        return cls(
            ref=ticket.ref,
            state=ticket.state,
            question=ticket.question,
            reason=ticket.reason,
            reason_detail=ticket.reason_detail,
            channel=ticket.channel,
            lang=ticket.lang,
            assignee=ticket.assignee,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            age_seconds=max(int(age.total_seconds()), 0),
        )


class MessageOut(BaseModel):
    id: int
    role: str
    content: str
    citations: list[dict[str, Any]]
    meta: dict[str, Any]
    created_at: dt.datetime

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.id,
            role=message.role,
            content=message.content,
            citations=message.citations,
            meta=message.meta,
            created_at=message.created_at,
        )


class TicketDetail(TicketSummary):
    conversation_id: str
    answer: str | None
    retrieved: list[dict[str, Any]]
    events: list[EventOut]
    messages: list[MessageOut]


class ReplyBody(BaseModel):
    text: NonBlankText = Field(
        min_length=1, max_length=8000, description="Goes to the user at once."
    )


class ResolveBody(BaseModel):
    note: PlainText | None = Field(None, max_length=2000)


class PromoteBody(BaseModel):
    question: PlainText | None = Field(None, max_length=1000, description="Edited question.")
    answer: PlainText | None = Field(None, max_length=8000, description="Edited answer.")


class Promoted(BaseModel):
    doc_id: str
    ticket: TicketDetail


class DayCount(BaseModel):
    date: dt.date
    questions: int


class TopicOut(BaseModel):
    topic: str
    doc_id: str | None
    count: int
    tickets: list[TicketSummary]


class OverviewOut(BaseModel):
    first_day: dt.date
    last_day: dt.date
    days: list[DayCount]
    questions: int
    answered: int
    escalated: int
    thumbs_up: int
    thumbs_down: int
    unanswered_topics: list[TopicOut]
    grouping: str


def _detail(store: StoreDep, ticket: Ticket) -> TicketDetail:
    return TicketDetail(
        **TicketSummary.of(ticket).model_dump(),
        conversation_id=ticket.conversation_id,
        answer=ticket.answer,
        retrieved=ticket.retrieved,
        events=[
            EventOut(
                from_state=e.from_state,
                to_state=e.to_state,
                actor=e.actor,
                note=e.note,
                created_at=e.created_at,
            )
            for e in ticket.events
        ],
        messages=[MessageOut.of(m) for m in store.messages(ticket.conversation_id)],
    )


def _refused(exc: Exception) -> HTTPException:
    if isinstance(exc, InvalidTransitionError):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, validation_detail(str(exc)))


@router.get("/me", response_model=Me)
def me(staff: CurrentStaff) -> Me:
    """Who is signed in, and the CSRF token this session's POSTs carry."""
    return Me(email=staff.email, csrf_token=staff.csrf)


@router.get("/tickets", response_model=list[TicketSummary], responses=refusals(422))
def list_tickets(
    staff: CurrentStaff,
    tickets: TicketsDep,
    state: Annotated[
        str | None,
        Query(
            description="open, claimed, answered, resolved.",
            json_schema_extra={"enum": list(TICKET_STATES)},
        ),
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the question.")] = None,
) -> list[TicketSummary]:
    """The queue, newest first."""
    if state is not None and state not in TICKET_STATES:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            validation_detail(f"state is one of {', '.join(TICKET_STATES)}", ("query", "state")),
        )
    return [TicketSummary.of(t) for t in tickets.list(state=state, search=q)]


@router.get("/tickets/{ref}", response_model=TicketDetail, responses=READ_TICKET)
def get_ticket(ref: str, staff: CurrentStaff, store: StoreDep) -> TicketDetail:
    """A ticket with its conversation, what was retrieved, why it escalated and its history."""
    return _detail(store, store.ticket(ref))


@router.post(
    "/tickets/{ref}/claim",
    response_model=TicketDetail,
    responses=refusals(403, 404, 409, 422, notes=NO_TICKET),
)
def claim(ref: str, staff: StaffChange, store: StoreDep, tickets: TicketsDep) -> TicketDetail:
    try:
        return _detail(store, tickets.claim(ref, staff.email))
    except InvalidTransitionError as exc:
        raise _refused(exc) from exc


@router.post("/tickets/{ref}/reply", response_model=TicketDetail, responses=CHANGE)
def reply(
    ref: str, body: ReplyBody, staff: StaffChange, store: StoreDep, tickets: TicketsDep
) -> TicketDetail:
    """Answer the user: stored in their conversation and delivered on their channel."""
    try:
        ticket, _ = tickets.reply(ref, staff.email, body.text)
    except (InvalidTransitionError, ValueError) as exc:
        raise _refused(exc) from exc
    return _detail(store, ticket)


@router.post("/tickets/{ref}/resolve", response_model=TicketDetail, responses=CHANGE)
def resolve(
    ref: str, body: ResolveBody, staff: StaffChange, store: StoreDep, tickets: TicketsDep
) -> TicketDetail:
    try:
        return _detail(store, tickets.resolve(ref, staff.email, body.note))
    except InvalidTransitionError as exc:
        raise _refused(exc) from exc


@router.post(
    "/tickets/{ref}/promote",
    response_model=Promoted,
    # No state check (409): any ticket with a staff answer can be published again.
    responses=refusals(
        400,
        403,
        404,
        413,
        422,
        503,
        notes={**NO_TICKET, 422: "The request is invalid, or there is no answer to promote."},
    ),
)
def promote(
    ref: str, body: PromoteBody, staff: StaffChange, store: StoreDep, tickets: TicketsDep
) -> Promoted:
    """Publish the (edited) staff answer as a public FAQ and index it at once."""
    try:
        doc_id = tickets.promote(
            ref,
            staff.email,
            question=(body.question or "").strip() or None,
            answer=(body.answer or "").strip() or None,
        )
    except ValueError as exc:
        raise _refused(exc) from exc
    return Promoted(doc_id=doc_id, ticket=_detail(store, store.ticket(ref)))


@router.get("/overview", response_model=OverviewOut)
def overview(staff: CurrentStaff, store: StoreDep) -> OverviewOut:
    """The last 14 days: questions per day, answered vs escalated, feedback, and the
    low-confidence questions grouped by the document that ranked first."""
    data = build_overview(store)
    return OverviewOut(
        first_day=data.first_day,
        last_day=data.last_day,
        days=[DayCount(date=day, questions=count) for day, count in data.days],
        questions=data.questions,
        answered=data.answered,
        escalated=data.escalated,
        thumbs_up=data.thumbs_up,
        thumbs_down=data.thumbs_down,
        unanswered_topics=[
            TopicOut(
                topic=t.title,
                doc_id=t.doc_id,
                count=len(t.tickets),
                tickets=[TicketSummary.of(x) for x in t.tickets],
            )
            for t in data.unanswered
        ],
        grouping=GROUPING,
    )

"""A conversation's messages (so the web chat sees staff replies) and "Ask institute staff"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from bot.api.schemas import EscalateRequest, MessageOut, TicketCreated
from bot.escalation.tickets import NothingToEscalateError
from bot.http.contract import MAX_ID, refusals
from bot.http.deps import LimiterDep, StoreDep, TicketsDep, client_address
from bot.http.errors import validation_detail
from bot.store import NotFoundError

router = APIRouter(prefix="/api/conversations", tags=["conversations"])

NO_CONVERSATION = "No such conversation."


@router.get(
    "/{conversation_id}/messages",
    response_model=list[MessageOut],
    responses=refusals(404, 422, notes={404: NO_CONVERSATION}),
)
def messages(
    conversation_id: str,
    store: StoreDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Only messages with a larger id.")
    ] = 0,
) -> list[MessageOut]:
    if store.get_conversation(conversation_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_CONVERSATION)
    return [
        MessageOut(
            id=m.id,
            role=m.role,
            content=m.content,
            citations=m.citations,  # type: ignore[arg-type]
            created_at=m.created_at,
        )
        for m in store.messages_since(conversation_id, after)
    ]


@router.post(
    "/{conversation_id}/escalate",
    response_model=TicketCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": TicketCreated, "description": "The ticket already waiting for staff."},
        201: {"description": "A new ticket for staff."},
        **refusals(
            400,
            404,
            413,
            422,
            429,
            notes={
                404: NO_CONVERSATION,
                422: "The request is invalid, or the conversation has no question to hand on.",
            },
        ),
    },
)
def escalate(
    conversation_id: str,
    body: EscalateRequest,
    request: Request,
    response: Response,
    tickets: TicketsDep,
    limiter: LimiterDep,
) -> TicketCreated:
    """The user pressed "Ask institute staff": a ticket with the whole conversation. While
    the conversation's ticket waits for staff, pressing again returns it (200, not 201)."""
    limiter.check(conversation_id, client_address(request), action="escalate")
    try:
        ticket, opened = tickets.escalate_on_request(
            conversation_id, "The user pressed “Ask institute staff”.", body.note
        )
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_CONVERSATION) from exc
    except NothingToEscalateError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, validation_detail(str(exc))
        ) from exc
    if not opened:
        response.status_code = status.HTTP_200_OK
    return TicketCreated(ticket_id=ticket.ref, state=ticket.state)

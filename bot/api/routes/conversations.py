"""A conversation's messages (so the web chat sees staff replies) and "Ask institute staff"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from bot.api.deps import LimiterDep, StoreDep, TicketsDep, client_address
from bot.api.errors import validation_detail
from bot.api.schemas import MAX_ID, EscalateRequest, MessageOut, TicketCreated
from bot.escalation.tickets import NothingToEscalateError
from bot.store import NotFoundError

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


@router.get("/{conversation_id}/messages", response_model=list[MessageOut])
def messages(
    conversation_id: str,
    store: StoreDep,
    after: Annotated[
        int, Query(ge=0, le=MAX_ID, description="Only messages with a larger id.")
    ] = 0,
) -> list[MessageOut]:
    if store.get_conversation(conversation_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such conversation.")
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
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such conversation.") from exc
    except NothingToEscalateError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, validation_detail(str(exc))
        ) from exc
    if not opened:
        response.status_code = status.HTTP_200_OK
    return TicketCreated(ticket_id=ticket.ref, state=ticket.state)

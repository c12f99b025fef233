"""A conversation's messages (so the web chat sees staff replies) and "Ask institute staff"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from bot.api.deps import StoreDep, TicketsDep
from bot.api.schemas import EscalateRequest, MessageOut, TicketCreated
from bot.escalation.tickets import NothingToEscalateError
from bot.store import NotFoundError

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


@router.get("/{conversation_id}/messages", response_model=list[MessageOut])
def messages(
    conversation_id: str,
    store: StoreDep,
    after: Annotated[int, Query(ge=0, description="Only messages with a larger id.")] = 0,
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
def escalate(conversation_id: str, body: EscalateRequest, tickets: TicketsDep) -> TicketCreated:
    """The user pressed "Ask institute staff": a ticket with the whole conversation."""
    try:
        ticket = tickets.escalate_on_request(
            conversation_id, "The user pressed “Ask institute staff”.", body.note
        )
    except NotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such conversation.") from exc
    except NothingToEscalateError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
    return TicketCreated(ticket_id=ticket.ref, state=ticket.state)

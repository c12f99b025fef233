"""A conversation's messages (so the web chat sees staff replies) and "Ask institute staff"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from bot.api.deps import StoreDep
from bot.api.schemas import EscalateRequest, MessageOut, TicketCreated
from bot.escalation.policy import USER_REQUEST
from bot.store import NewTicket

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
def escalate(conversation_id: str, body: EscalateRequest, store: StoreDep) -> TicketCreated:
    """The user pressed "Ask institute staff": a ticket with the whole conversation."""
    if store.get_conversation(conversation_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such conversation.")
    history = store.messages(conversation_id)
    last_question = next((m for m in reversed(history) if m.role == "user"), None)
    last_answer = next((m for m in reversed(history) if m.role == "assistant"), None)
    question = body.note or (last_question.content if last_question else "")
    if not question:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "Ask a question first.")
    ticket = store.create_ticket(
        conversation_id,
        NewTicket(
            question=question,
            reason=USER_REQUEST,
            reason_detail="The user pressed “Ask institute staff”.",
            retrieved=list(last_answer.citations) if last_answer else [],
            lang=str(last_answer.meta.get("lang", "en")) if last_answer else "en",
        ),
    )
    return TicketCreated(ticket_id=ticket.ref, state=ticket.state)

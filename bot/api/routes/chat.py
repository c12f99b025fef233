"""Chat: a question in, a cited answer out (whole, or streamed as server-sent events)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from bot.answer.engine import Delta, Final, Reset
from bot.api.deps import EngineDep, LimiterDep, client_address
from bot.api.ratelimit import ConversationRateLimiter
from bot.api.schemas import ChatRequest, ChatResponse

router = APIRouter(prefix="/api/chat", tags=["chat"])


def _check_rate(body: ChatRequest, request: Request, limiter: ConversationRateLimiter) -> None:
    limiter.check(body.conversation_id, client_address(request))


@router.post("", response_model=ChatResponse)
def chat(
    body: ChatRequest, request: Request, engine: EngineDep, limiter: LimiterDep
) -> ChatResponse:
    """Answer a startup's question (never from staff-only documents)."""
    _check_rate(body, request, limiter)
    answer = engine.ask(
        body.message,
        body.conversation_id,
        audience="startup",
        channel="web",
        reply_to={"kind": "web"},
    )
    return ChatResponse.of(answer)


@router.post("/stream", response_class=EventSourceResponse)
def chat_stream(
    body: ChatRequest, request: Request, engine: EngineDep, limiter: LimiterDep
) -> EventSourceResponse:
    """The same answer as it is produced: `delta` events with text, `reset` if the model
    failed mid-answer, and a final `answer` event carrying the whole /api/chat object."""
    _check_rate(body, request, limiter)
    events = engine.stream(
        body.message,
        body.conversation_id,
        audience="startup",
        channel="web",
        reply_to={"kind": "web"},
    )

    def serialise() -> Iterator[ServerSentEvent]:
        for event in events:
            if isinstance(event, Delta):
                yield ServerSentEvent(json.dumps({"text": event.text}), event="delta")
            elif isinstance(event, Reset):
                yield ServerSentEvent("{}", event="reset")
            elif isinstance(event, Final):
                payload = ChatResponse.of(event.answer).model_dump_json()
                yield ServerSentEvent(payload, event="answer")

    return EventSourceResponse(serialise())

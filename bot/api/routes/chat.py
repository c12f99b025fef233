"""Chat: a question in, a cited answer out (whole, or streamed as server-sent events)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from bot.answer.engine import Delta, Final, Reset
from bot.api.schemas import ChatRequest, ChatResponse
from bot.http.contract import refusals
from bot.http.deps import EngineDep, LimiterDep, client_address
from bot.http.ratelimit import ConversationRateLimiter

router = APIRouter(prefix="/api/chat", tags=["chat"])

#: A question can be malformed, too long, one too many, or meet a broken knowledge base.
CHAT_REFUSALS = refusals(400, 413, 422, 429, 503)


def _event(name: str, data: dict[str, object]) -> dict[str, object]:
    """One server-sent event: its name, and its data, a JSON text with this schema."""
    return {
        "type": "object",
        "properties": {
            "event": {"const": name},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": data,
            },
        },
        "required": ["event", "data"],
    }


#: Each event of the stream (Open API 3.1: a text/event-stream schema describes one event).
STREAM_EVENT = {
    "oneOf": [
        _event(
            "delta",
            {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
        ),
        _event("reset", {"type": "object", "maxProperties": 0}),
        _event("answer", {"$ref": "#/components/schemas/ChatResponse"}),
    ]
}


def _check_rate(body: ChatRequest, request: Request, limiter: ConversationRateLimiter) -> None:
    limiter.check(body.conversation_id, client_address(request))


@router.post("", response_model=ChatResponse, responses=CHAT_REFUSALS)
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


@router.post(
    "/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "Server-sent events: `delta`, `reset` and a final `answer`.",
            "content": {"text/event-stream": {"schema": STREAM_EVENT}},
        },
        **CHAT_REFUSALS,
    },
)
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

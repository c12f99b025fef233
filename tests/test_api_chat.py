"""The chat API over real HTTP: answers, streaming, feedback, "Ask institute staff", staff
replies reaching the conversation, validation and rate limiting."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from bot.app import create_app
from bot.config import Settings
from bot.store import Store
from retrieval import KnowledgeBase
from tests.servers import serve_app

QUESTION = "What documents do I need for the unified qualification?"


@pytest.fixture(scope="module")
def settings(mini_index: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    database = tmp_path_factory.mktemp("chat-db") / "store.sqlite3"
    return Settings(  # type: ignore[call-arg]
        data_dir=mini_index.data_dir,
        database_url=f"sqlite:///{database}",
        chat_rate_limit="5/minute",
        _env_file=None,
    )


@pytest.fixture(scope="module")
def api(settings: Settings) -> Iterator[str]:
    with serve_app(create_app(settings)) as base:
        yield base


def test_chat_returns_the_answer_object_and_a_conversation(api: str) -> None:
    response = httpx.post(f"{api}/api/chat", json={"message": QUESTION}, timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "answer", "citations", "escalated", "ticket_id", "confidence", "lang", "conversation_id",
    }  # fmt: skip
    assert body["citations"][0]["doc_id"] == "qualification"
    follow = httpx.post(
        f"{api}/api/chat",
        json={"message": "and what grades are there?", "conversation_id": body["conversation_id"]},
        timeout=30,
    )
    assert follow.json()["conversation_id"] == body["conversation_id"]


def test_streaming_sends_deltas_then_the_same_object(api: str) -> None:
    events: list[tuple[str, str]] = []
    with httpx.stream(
        "POST", f"{api}/api/chat/stream", json={"message": QUESTION}, timeout=30
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        event = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                events.append((event, line.partition(":")[2].strip()))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and "delta" in kinds
    final = json.loads(events[-1][1])
    streamed = "".join(json.loads(data)["text"] for kind, data in events if kind == "delta")
    assert streamed == final["answer"]
    assert final["conversation_id"]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"message": ""}, "at least 1 character"),
        ({"message": "   "}, "empty"),
        ({"message": "x" * 4001}, "at most 4000 characters"),
        ({"text": "wrong field"}, "Field required"),
    ],
)
def test_bad_requests_get_a_422_with_a_reason(
    api: str, payload: dict[str, object], reason: str
) -> None:
    response = httpx.post(f"{api}/api/chat", json=payload, timeout=30)
    assert response.status_code == 422
    assert reason in json.dumps(response.json())


def test_a_malformed_body_is_a_422_not_a_500(api: str) -> None:
    response = httpx.post(
        f"{api}/api/chat", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_ask_institute_staff_and_the_staff_reply_reaches_the_conversation(
    api: str, settings: Settings
) -> None:
    asked = httpx.post(f"{api}/api/chat", json={"message": QUESTION}, timeout=30).json()
    conversation = asked["conversation_id"]
    created = httpx.post(f"{api}/api/conversations/{conversation}/escalate", json={})
    assert created.status_code == 201
    ticket = created.json()["ticket_id"]
    before = httpx.get(f"{api}/api/conversations/{conversation}/messages").json()

    with Store(str(settings.database_url)) as store:
        store.reply(ticket, "aiko@disti.example", "Bring the certificates to the portal.")

    after = before[-1]["id"]
    new = httpx.get(f"{api}/api/conversations/{conversation}/messages?after={after}").json()
    assert [(m["role"], m["content"]) for m in new] == [
        ("staff", "Bring the certificates to the portal.")
    ]


def test_feedback_is_recorded_and_unknown_conversations_are_404(api: str) -> None:
    asked = httpx.post(f"{api}/api/chat", json={"message": QUESTION}, timeout=30).json()
    ok = httpx.post(
        f"{api}/api/feedback",
        json={"conversation_id": asked["conversation_id"], "rating": -1, "comment": "vague"},
    )
    assert ok.status_code == 201
    bad_rating = httpx.post(
        f"{api}/api/feedback", json={"conversation_id": asked["conversation_id"], "rating": 3}
    )
    assert bad_rating.status_code == 422
    missing = httpx.get(f"{api}/api/conversations/does-not-exist/messages")
    assert missing.status_code == 404


def test_a_conversation_asking_too_fast_is_rate_limited(api: str) -> None:
    first = httpx.post(f"{api}/api/chat", json={"message": QUESTION}, timeout=30).json()
    payload = {"message": "And the grades?", "conversation_id": first["conversation_id"]}
    statuses = [
        httpx.post(f"{api}/api/chat", json=payload, timeout=30).status_code for _ in range(6)
    ]
    assert statuses[-1] == 429
    limited = httpx.post(f"{api}/api/chat", json=payload, timeout=30)
    assert int(limited.headers["retry-after"]) >= 1

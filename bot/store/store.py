"""The one store for conversations, messages, tickets, ticket events and feedback.

One engine per process and a short session per call, so the web app can share a ``Store``
between threads. Ticket changes are compare-and-set updates (``WHERE state = <seen>``): two
staff members pressing "claim" at once cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from uuid import uuid4

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    URL,
    CursorResult,
    Engine,
    create_engine,
    delete,
    event,
    func,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.store.channel_state import ChannelState
from bot.store.records import (
    AUDIENCES,
    CHANNELS,
    TICKET_STATES,
    TRANSITIONS,
    Activity,
    AlreadyExistsError,
    Conversation,
    Feedback,
    FeedbackComment,
    InvalidTransitionError,
    Message,
    NewTicket,
    NotFoundError,
    Ratings,
    SecurityEvent,
    StaffMember,
    StaffSession,
    Ticket,
    TicketEvent,
    normalise_email,
    ticket_ref,
)
from bot.store.schema import (
    ConversationRow,
    FeedbackRow,
    MessageRow,
    SecurityEventRow,
    StaffMemberRow,
    StaffSessionRow,
    TicketEventRow,
    TicketRow,
    utcnow,
)

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_FILE = "dualuse.sqlite3"
# Serialises migrations when several processes open the same PostgreSQL database at once.
_MIGRATION_LOCK = 0x44554453544F5245  # "DUDSTORE"

# What each target state is called in an error message: (verb, past participle).
_ACTIONS = {
    "claimed": ("claim", "claimed"),
    "answered": ("reply to", "replied to"),
    "resolved": ("resolve", "resolved"),
}


class Store:
    """Conversations, messages, tickets and feedback in SQLite or PostgreSQL.

    Opening a store brings its schema up to date (Alembic ``upgrade head``), so a fresh
    database works straight away and an existing one is migrated in place.
    """

    def __init__(self, url: str | URL) -> None:
        self._url = _normalise_url(url)
        self._engine = _create_engine(self._url)
        try:
            _migrate(self._engine, self._url)
        except BaseException:
            self._engine.dispose()
            raise
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        #: Slack threads, staff card positions and handled events, shared by every worker.
        self.channel_state = ChannelState(self._sessions)

    @classmethod
    def for_settings(cls, settings: Settings) -> Store:
        """The configured database: ``database_url``, else a SQLite file in the data dir."""
        if settings.database_url:
            return cls(settings.database_url)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(URL.create("sqlite", database=str(settings.data_dir / SQLITE_FILE)))

    @property
    def url(self) -> str:
        """Where the store lives, password masked (for logs and health checks)."""
        return self._url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release pooled connections (the store must not be used afterwards)."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- conversations and messages -------------------------------------------------------

    def conversation(
        self,
        conversation_id: str | None,
        *,
        channel: str,
        audience: str = "startup",
        reply_to: Mapping[str, Any] | None = None,
    ) -> Conversation:
        """Get or create: a channel passes whatever id it holds (none, stale or forged).

        An unknown id never errors: it starts a new conversation with a fresh id, so a client
        cannot choose ids or attach to someone else's conversation by guessing. An existing
        conversation is returned as stored.
        """
        _check_choice("channel", channel, CHANNELS)
        _check_choice("audience", audience, AUDIENCES)
        with self._sessions.begin() as session:
            if conversation_id:
                row = session.get(ConversationRow, conversation_id)
                if row is not None:
                    return _conversation(row)
            now = utcnow()
            row = ConversationRow(
                id=uuid4().hex,
                channel=channel,
                audience=audience,
                reply_to=dict(reply_to) if reply_to is not None else None,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            return _conversation(row)

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        """The conversation, or None when there is no such id."""
        with self._sessions() as session:
            row = session.get(ConversationRow, conversation_id)
            return _conversation(row) if row is not None else None

    def messages(self, conversation_id: str, limit: int | None = None) -> list[Message]:
        """Oldest first; ``limit`` keeps the last N (the context an answer engine needs)."""
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        stmt = select(MessageRow).where(MessageRow.conversation_id == conversation_id)
        with self._sessions() as session:
            if limit is None:
                rows = list(session.scalars(stmt.order_by(MessageRow.id)))
            else:
                rows = list(session.scalars(stmt.order_by(MessageRow.id.desc()).limit(limit)))
                rows.reverse()
            return [_message(row) for row in rows]

    def messages_since(self, conversation_id: str, after_id: int) -> list[Message]:
        """Messages with an id above ``after_id``: how a channel polls for staff replies."""
        stmt = (
            select(MessageRow)
            .where(MessageRow.conversation_id == conversation_id, MessageRow.id > after_id)
            .order_by(MessageRow.id)
        )
        with self._sessions() as session:
            return [_message(row) for row in session.scalars(stmt)]

    def record_turn(
        self,
        conversation_id: str,
        question: str,
        answer: str | Callable[[str | None], str],
        citations: Sequence[Mapping[str, Any]],
        meta: Mapping[str, Any],
        ticket: NewTicket | None = None,
    ) -> tuple[Message, Message, Ticket | None]:
        """Store a question, its answer and (if escalated) the ticket in one transaction.

        All or nothing: a user must never see an answer promising "staff will follow up"
        whose ticket was lost, nor a ticket whose conversation lacks the question.
        ``meta`` belongs to the assistant message (confidence, model, timings...). An answer
        that tells the user their ticket's reference is given as a function of that reference
        (None when no ticket is opened): the reference exists only once the ticket is inserted.
        """
        if ticket is not None:
            _check_new_ticket(ticket)
        with self._sessions.begin() as session:
            conversation = _conversation_row(session, conversation_id)
            now = utcnow()
            user = MessageRow(
                conversation_id=conversation.id,
                role="user",
                content=question,
                citations=[],
                meta={},
                created_at=now,
            )
            assistant = MessageRow(
                conversation_id=conversation.id,
                role="assistant",
                content="",
                citations=[dict(c) for c in citations],
                meta=dict(meta),
                created_at=now,
            )
            session.add(user)
            session.flush()  # the question gets the lower id: order is by id
            session.add(assistant)
            conversation.updated_at = now
            created = (
                _insert_ticket(session, conversation, ticket, now) if ticket is not None else None
            )
            ref = created.ref if created is not None else None
            assistant.content = answer(ref) if callable(answer) else answer
            session.flush()
            return _message(user), _message(assistant), created

    def revise_answer(
        self, message_id: int, content: str, citations: Sequence[Mapping[str, Any]]
    ) -> Message:
        """Replace an answer recorded before it was streamed: a model's words replace the
        extractive fallback stored first, so a client that leaves mid-stream loses nothing."""
        with self._sessions.begin() as session:
            row = session.get(MessageRow, message_id)
            if row is None or row.role != "assistant":
                raise NotFoundError(f"no assistant message {message_id}")
            row.content = content
            row.citations = [dict(c) for c in citations]
            session.flush()
            return _message(row)

    # -- tickets ----------------------------------------------------------------------------

    def create_ticket(self, conversation_id: str, new: NewTicket) -> Ticket:
        """Open a ticket outside a turn (the user pressed "Ask institute staff" later)."""
        _check_new_ticket(new)
        with self._sessions.begin() as session:
            conversation = _conversation_row(session, conversation_id)
            return _insert_ticket(session, conversation, new, utcnow())

    def waiting_ticket(self, conversation_id: str) -> Ticket | None:
        """The conversation's newest ticket still waiting for staff (open or claimed)."""
        stmt = (
            select(TicketRow)
            .where(
                TicketRow.conversation_id == conversation_id,
                TicketRow.state.in_(("open", "claimed")),
            )
            .order_by(TicketRow.id.desc())
            .limit(1)
        )
        with self._sessions() as session:
            row = session.scalars(stmt).first()
            return _ticket(row) if row is not None else None

    def ticket(self, ref: str) -> Ticket:
        """The ticket with its history; NotFoundError for an unknown reference."""
        with self._sessions() as session:
            return _ticket(_ticket_row(session, ref))

    def tickets(
        self, state: str | None = None, search: str | None = None, limit: int = 100
    ) -> list[Ticket]:
        """Newest first; ``state`` filters, ``search`` matches the question (any case)."""
        if state is not None:
            _check_choice("state", state, TICKET_STATES)
        if limit < 0:
            raise ValueError("limit must be >= 0")
        stmt = select(TicketRow).order_by(TicketRow.id.desc()).limit(limit)
        if state is not None:
            stmt = stmt.where(TicketRow.state == state)
        if search and search.strip():
            stmt = stmt.where(TicketRow.question.icontains(search.strip(), autoescape=True))
        with self._sessions() as session:
            return [_ticket(row) for row in session.scalars(stmt)]

    def claim(self, ref: str, actor: str) -> Ticket:
        """open → claimed: one staff member takes the question, so two don't answer it."""
        ticket, _ = self._transition(ref, "claimed", actor, assignee=actor)
        return ticket

    def reply(self, ref: str, actor: str, text: str) -> tuple[Ticket, Message]:
        """open/claimed/answered → answered, and the reply joins the user's conversation.

        Ticket and message change together, so the channel polling ``messages_since`` sees
        the reply exactly when the ticket says it was answered.
        """
        if not text.strip():
            raise ValueError("a reply needs text")
        ticket, message = self._transition(
            ref,
            "answered",
            actor,
            answer=text,
            assignee=func.coalesce(TicketRow.assignee, actor),
            staff_message=text,
        )
        assert message is not None
        return ticket, message

    def resolve(self, ref: str, actor: str, note: str | None = None) -> Ticket:
        """Any state but resolved → resolved: nothing more to do for this question."""
        ticket, _ = self._transition(ref, "resolved", actor, note=note)
        return ticket

    def add_event(self, ref: str, actor: str, note: str) -> Ticket:
        """Record something done with a ticket that leaves its state as it is (e.g. promoted
        to an FAQ), so the ticket's history tells the whole story."""
        if not actor.strip():
            raise ValueError("every ticket event needs an actor")
        with self._sessions.begin() as session:
            row = _ticket_row(session, ref)
            now = utcnow()
            row.updated_at = now
            row.events.append(
                TicketEventRow(
                    from_state=row.state, to_state=row.state, actor=actor, note=note, created_at=now
                )
            )
            session.flush()
            return _ticket(row)

    def _transition(
        self,
        ref: str,
        to_state: str,
        actor: str,
        *,
        note: str | None = None,
        staff_message: str | None = None,
        **changes: Any,
    ) -> tuple[Ticket, Message | None]:
        if not actor.strip():
            raise ValueError("every ticket change needs an actor")
        with self._sessions.begin() as session:
            row = _ticket_row(session, ref)
            from_state = row.state
            if (from_state, to_state) not in TRANSITIONS:
                raise InvalidTransitionError(_refusal(row, to_state))
            now = utcnow()
            result = cast(
                CursorResult[Any],
                session.execute(
                    update(TicketRow)
                    .where(TicketRow.id == row.id, TicketRow.state == from_state)
                    .values(state=to_state, updated_at=now, **changes)
                    .execution_options(synchronize_session=False)
                ),
            )
            if result.rowcount != 1:
                verb, _ = _ACTIONS[to_state]
                raise InvalidTransitionError(
                    f"cannot {verb} {row.ref}: someone changed it meanwhile; reload and retry"
                )
            session.add(
                TicketEventRow(
                    ticket_id=row.id,
                    from_state=from_state,
                    to_state=to_state,
                    actor=actor,
                    note=note,
                    created_at=now,
                )
            )
            message: MessageRow | None = None
            if staff_message is not None:
                message = MessageRow(
                    conversation_id=row.conversation_id,
                    role="staff",
                    content=staff_message,
                    citations=[],
                    meta={"ticket": row.ref, "staff": actor},
                    created_at=now,
                )
                session.add(message)
                session.execute(
                    update(ConversationRow)
                    .where(ConversationRow.id == row.conversation_id)
                    .values(updated_at=now)
                    .execution_options(synchronize_session=False)
                )
            session.flush()
            session.expire(row)  # reload what the UPDATE changed, events included
            return _ticket(row), (_message(message) if message is not None else None)

    # -- feedback ---------------------------------------------------------------------------

    def add_feedback(
        self,
        conversation_id: str,
        message_id: int | None,
        rating: int,
        comment: str | None = None,
    ) -> Feedback:
        """A thumbs up (+1) or down (-1) on a conversation or one of its messages. A message
        has one rating: rating it again changes it (and keeps the comment unless a new one
        is given)."""
        if rating not in (1, -1):
            raise ValueError(f"rating must be +1 or -1, not {rating!r}")
        try:
            return self._save_feedback(conversation_id, message_id, rating, comment)
        except IntegrityError:  # rated at the same moment elsewhere: change that rating
            return self._save_feedback(conversation_id, message_id, rating, comment)

    def _save_feedback(
        self, conversation_id: str, message_id: int | None, rating: int, comment: str | None
    ) -> Feedback:
        with self._sessions.begin() as session:
            conversation = _conversation_row(session, conversation_id)
            row: FeedbackRow | None = None
            if message_id is not None:
                message = session.get(MessageRow, message_id)
                if message is None or message.conversation_id != conversation.id:
                    raise NotFoundError(
                        f"message {message_id} is not in conversation {conversation.id}"
                    )
                row = session.scalars(
                    select(FeedbackRow).where(FeedbackRow.message_id == message_id)
                ).one_or_none()
            if row is None:
                row = FeedbackRow(
                    conversation_id=conversation.id,
                    message_id=message_id,
                    rating=rating,
                    comment=comment,
                    created_at=utcnow(),
                )
                session.add(row)
            else:
                row.rating = rating
                row.comment = comment if comment is not None else row.comment
                row.created_at = utcnow()
            session.flush()
            return _feedback(row)

    def negative_feedback_count(self, conversation_id: str) -> int:
        """Thumbs down so far: repeated dissatisfaction is a reason to offer staff."""
        stmt = (
            select(func.count())
            .select_from(FeedbackRow)
            .where(FeedbackRow.conversation_id == conversation_id, FeedbackRow.rating < 0)
        )
        with self._sessions() as session:
            return int(session.scalar(stmt) or 0)

    # -- staff accounts and console sessions -------------------------------------------------

    def create_staff(self, email: str, password_hash: str) -> StaffMember:
        """A staff account; the e-mail is stored lower-cased, and must not exist yet."""
        key = normalise_email(email)
        if "@" not in key or any(c.isspace() for c in key):
            raise ValueError(f"not an e-mail address: {email!r}")
        if not password_hash:
            raise ValueError("a staff account needs a password hash")
        try:
            with self._sessions.begin() as session:
                if session.scalars(
                    select(StaffMemberRow.id).where(StaffMemberRow.email == key)
                ).first():
                    raise AlreadyExistsError(f"a staff account for {key} exists already")
                row = StaffMemberRow(email=key, password_hash=password_hash, created_at=utcnow())
                session.add(row)
                session.flush()
                return _staff(row)
        except IntegrityError as exc:  # created concurrently by someone else
            raise AlreadyExistsError(f"a staff account for {key} exists already") from exc

    def staff_by_email(self, email: str) -> StaffMember | None:
        """The account for this e-mail (any case), or None."""
        stmt = select(StaffMemberRow).where(StaffMemberRow.email == normalise_email(email))
        with self._sessions() as session:
            row = session.scalars(stmt).one_or_none()
            return _staff(row) if row is not None else None

    def staff_members(self) -> list[StaffMember]:
        """Every staff account, by e-mail."""
        with self._sessions() as session:
            rows = session.scalars(select(StaffMemberRow).order_by(StaffMemberRow.email))
            return [_staff(row) for row in rows]

    def has_staff(self) -> bool:
        """Whether any staff account exists (none: the console shows how to create one)."""
        with self._sessions() as session:
            return session.scalars(select(StaffMemberRow.id).limit(1)).first() is not None

    def create_staff_session(
        self, staff_id: int, token_hash: str, expires_at: datetime
    ) -> StaffSession:
        """Sign a staff member in: the session is found later by ``token_hash`` (the cookie's
        token hashed; the token itself is never stored). Expired sessions are purged."""
        now = utcnow()
        if expires_at <= now:
            raise ValueError("a new session must expire in the future")
        with self._sessions.begin() as session:
            if session.get(StaffMemberRow, staff_id) is None:
                raise NotFoundError(f"no staff member {staff_id}")
            session.execute(delete(StaffSessionRow).where(StaffSessionRow.expires_at <= now))
            row = StaffSessionRow(
                token_hash=token_hash, staff_id=staff_id, created_at=now, expires_at=expires_at
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            return _staff_session(row)

    def staff_session(self, token_hash: str) -> StaffSession | None:
        """The live session with this token hash; None when unknown or expired."""
        stmt = select(StaffSessionRow).where(
            StaffSessionRow.token_hash == token_hash, StaffSessionRow.expires_at > utcnow()
        )
        with self._sessions() as session:
            row = session.scalars(stmt).one_or_none()
            return _staff_session(row) if row is not None else None

    def delete_staff_session(self, token_hash: str) -> bool:
        """Sign out; True when there was such a session."""
        with self._sessions.begin() as session:
            result = cast(
                CursorResult[Any],
                session.execute(
                    delete(StaffSessionRow).where(StaffSessionRow.token_hash == token_hash)
                ),
            )
            return result.rowcount > 0

    def add_security_event(self, kind: str, subject: str, client: str, detail: str) -> None:
        """Record something staff should see about access to the console."""
        with self._sessions.begin() as session:
            session.add(
                SecurityEventRow(
                    kind=kind[:32],
                    subject=subject[:254],
                    client=client[:64],
                    detail=detail,
                    created_at=utcnow(),
                )
            )

    def security_events(self, since: datetime, limit: int = 50) -> list[SecurityEvent]:
        """Newest first."""
        stmt = (
            select(SecurityEventRow)
            .where(SecurityEventRow.created_at >= since)
            .order_by(SecurityEventRow.id.desc())
            .limit(limit)
        )
        with self._sessions() as session:
            return [
                SecurityEvent(r.kind, r.subject, r.client, r.detail, r.created_at)
                for r in session.scalars(stmt)
            ]

    # -- what the staff overview counts ------------------------------------------------------

    def activity(self, since: datetime) -> Activity:
        """Questions asked (per UTC day), tickets opened and feedback, from ``since`` on."""
        with self._sessions() as session:
            day = _utc_day(MessageRow.created_at, session)
            per_day: dict[date, int] = {}
            rows = session.execute(
                select(day, func.count())
                .where(MessageRow.role == "user", MessageRow.created_at >= since)
                .group_by(day)
            )
            for value, count in rows:
                key = value if isinstance(value, date) else date.fromisoformat(str(value))
                per_day[key] = per_day.get(key, 0) + int(count)
            escalated = session.scalar(
                select(func.count()).select_from(TicketRow).where(TicketRow.created_at >= since)
            )
            ratings: dict[int, int] = {
                int(rating): int(count)
                for rating, count in session.execute(
                    select(FeedbackRow.rating, func.count())
                    .where(FeedbackRow.created_at >= since)
                    .group_by(FeedbackRow.rating)
                )
            }
        return Activity(
            since=since,
            questions_per_day=dict(sorted(per_day.items())),
            questions=sum(per_day.values()),
            escalated=int(escalated or 0),
            thumbs_up=ratings.get(1, 0),
            thumbs_down=ratings.get(-1, 0),
        )

    def ratings(self, since: datetime) -> Ratings:
        """Answers rated helpful or unhelpful (each message once: its current rating) and
        conversation-level ratings, given from ``since`` on."""
        stmt = (
            select(FeedbackRow.message_id.is_(None), FeedbackRow.rating, func.count())
            .where(FeedbackRow.created_at >= since)
            .group_by(FeedbackRow.message_id.is_(None), FeedbackRow.rating)
        )
        counts: dict[tuple[bool, int], int] = {}
        with self._sessions() as session:
            for whole, rating, count in session.execute(stmt):
                key = (bool(whole), int(rating))
                counts[key] = counts.get(key, 0) + int(count)
        return Ratings(
            since=since,
            helpful=counts.get((False, 1), 0),
            unhelpful=counts.get((False, -1), 0),
            conversation_up=counts.get((True, 1), 0),
            conversation_down=counts.get((True, -1), 0),
        )

    def negative_comments(self, since: datetime, limit: int = 50) -> list[FeedbackComment]:
        """Thumbs-down ratings with a comment from ``since`` on, newest first, each with the
        answer it rates, the question before that answer and the conversation's newest
        ticket."""
        stmt = (
            select(FeedbackRow)
            .where(
                FeedbackRow.created_at >= since,
                FeedbackRow.rating < 0,
                FeedbackRow.comment.is_not(None),
                FeedbackRow.comment != "",
            )
            .order_by(FeedbackRow.id.desc())
            .limit(limit)
        )
        with self._sessions() as session:
            return [_feedback_comment(session, row) for row in session.scalars(stmt)]

    def feedback_comment(self, feedback_id: int) -> FeedbackComment:
        """One rating with its answer, question and ticket; NotFoundError if there is none."""
        with self._sessions() as session:
            row = session.get(FeedbackRow, feedback_id)
            if row is None:
                raise NotFoundError(f"no feedback {feedback_id}")
            return _feedback_comment(session, row)


# -- opening ------------------------------------------------------------------------------


def _normalise_url(url: str | URL) -> URL:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # SQLAlchemy's default PostgreSQL driver is psycopg2; we ship psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    # One engine serves every thread of the web app; each session checks out its own
    # connection, so sharing across threads is safe. Writers wait for each other (timeout).
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys are off by default in SQLite; WAL lets readers run beside a writer."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _migrate(engine: Engine, url: URL) -> None:
    """``alembic upgrade head`` in one locked transaction, configured in code (no .ini).

    The lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL) lets several
    processes open a fresh database at the same time: one migrates, the others then find
    the schema current.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolates "%": escape it (URL-encoded passwords contain it).
    config.set_main_option(
        "sqlalchemy.url", url.render_as_string(hide_password=False).replace("%", "%%")
    )
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


# -- rows to records ----------------------------------------------------------------------


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _check_new_ticket(new: NewTicket) -> None:
    if new.channel is not None:
        _check_choice("channel", new.channel, CHANNELS)


def _conversation_row(session: Session, conversation_id: str) -> ConversationRow:
    row = session.get(ConversationRow, conversation_id)
    if row is None:
        raise NotFoundError(f"no conversation {conversation_id!r}")
    return row


def _ticket_row(session: Session, ref: str) -> TicketRow:
    key = ref.strip().upper()
    row = session.scalars(select(TicketRow).where(TicketRow.ref == key)).one_or_none()
    if row is None:
        raise NotFoundError(f"no ticket {ref!r}")
    return row


def _insert_ticket(
    session: Session, conversation: ConversationRow, new: NewTicket, now: datetime
) -> Ticket:
    row = TicketRow(
        ref=uuid4().hex,  # placeholder: the reference derives from the id the insert assigns
        conversation_id=conversation.id,
        question=new.question,
        reason=new.reason,
        reason_detail=new.reason_detail,
        retrieved=[dict(hit) for hit in new.retrieved],
        channel=new.channel or conversation.channel,
        reply_to=dict(new.reply_to) if new.reply_to is not None else conversation.reply_to,
        lang=new.lang,
        state="open",
        created_at=now,
        updated_at=now,
        events=[
            TicketEventRow(from_state=None, to_state="open", actor="assistant", created_at=now)
        ],
    )
    session.add(row)
    session.flush()
    row.ref = ticket_ref(row.id)
    session.flush()
    return _ticket(row)


def _refusal(row: TicketRow, to_state: str) -> str:
    verb, past = _ACTIONS[to_state]
    allowed = [s for s in TICKET_STATES if (s, to_state) in TRANSITIONS]
    holder = f" by {row.assignee}" if row.state == "claimed" and row.assignee else ""
    return (
        f"cannot {verb} {row.ref}: it is {row.state}{holder} "
        f"(only {' or '.join(allowed)} tickets can be {past})"
    )


def _conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        channel=row.channel,
        audience=row.audience,
        reply_to=row.reply_to,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _message(row: MessageRow) -> Message:
    return Message(
        id=row.id,
        conversation_id=row.conversation_id,
        role=row.role,
        content=row.content,
        citations=list(row.citations),
        meta=dict(row.meta),
        created_at=row.created_at,
    )


def _event(row: TicketEventRow) -> TicketEvent:
    return TicketEvent(
        id=row.id,
        ticket_id=row.ticket_id,
        from_state=row.from_state,
        to_state=row.to_state,
        actor=row.actor,
        note=row.note,
        created_at=row.created_at,
    )


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        ref=row.ref,
        conversation_id=row.conversation_id,
        question=row.question,
        reason=row.reason,
        reason_detail=row.reason_detail,
        retrieved=list(row.retrieved),
        channel=row.channel,
        reply_to=row.reply_to,
        lang=row.lang,
        state=row.state,
        assignee=row.assignee,
        answer=row.answer,
        created_at=row.created_at,
        updated_at=row.updated_at,
        events=[_event(event) for event in row.events],
    )


def _feedback(row: FeedbackRow) -> Feedback:
    return Feedback(
        id=row.id,
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        rating=row.rating,
        comment=row.comment,
        created_at=row.created_at,
    )


def _feedback_comment(session: Session, row: FeedbackRow) -> FeedbackComment:
    answer = session.get(MessageRow, row.message_id) if row.message_id is not None else None
    question = None
    if answer is not None:
        question = session.scalars(
            select(MessageRow.content)
            .where(
                MessageRow.conversation_id == answer.conversation_id,
                MessageRow.role == "user",
                MessageRow.id < answer.id,
            )
            .order_by(MessageRow.id.desc())
            .limit(1)
        ).first()
    ticket = session.scalars(
        select(TicketRow.ref)
        .where(TicketRow.conversation_id == row.conversation_id)
        .order_by(TicketRow.id.desc())
        .limit(1)
    ).first()
    return FeedbackComment(
        feedback_id=row.id,
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        rating=row.rating,
        comment=row.comment,
        created_at=row.created_at,
        question=question,
        answer=answer.content if answer is not None else None,
        ticket_ref=ticket,
    )


def _staff(row: StaffMemberRow) -> StaffMember:
    return StaffMember(
        id=row.id, email=row.email, password_hash=row.password_hash, created_at=row.created_at
    )


def _staff_session(row: StaffSessionRow) -> StaffSession:
    return StaffSession(
        id=row.id,
        staff_id=row.staff_id,
        email=row.staff.email,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


def _utc_day(column: Any, session: Session) -> Any:
    """The UTC calendar day of a timestamp column, in the database's own SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite holds UTC timestamps as text

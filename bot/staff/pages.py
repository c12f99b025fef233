"""The console's HTML pages: sign-in (or, before any account exists, how to create one), the
queue, a ticket, the overview, a rated conversation and the staff document view. Every page but
the sign-in form needs a signed-in staff member; every form POST carries the CSRF token."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from bot.escalation.tickets import TicketService
from bot.http.deps import LoginThrottleDep, RetrieverDep, StoreDep, TicketsDep, client_address
from bot.staff import render
from bot.staff.auth import COOKIE, new_token, token_hash, verify_password
from bot.staff.deps import (
    LOGIN_PATH,
    CheckedForm,
    CurrentStaff,
    FormFields,
    SettingsDep,
    SignedIn,
)
from bot.staff.overview import build_overview
from bot.store import TICKET_STATES, NotFoundError, Store, StoreError
from bot.store.schema import utcnow
from retrieval import DocumentNotFoundError, KnowledgeBaseError

router = APIRouter(prefix="/staff", include_in_schema=False)

StateQuery = Annotated[str | None, Query(description="open, claimed, answered or resolved.")]
SearchQuery = Annotated[str | None, Query(max_length=200, description="Text in the question.")]
#: The most messages the read-only conversation page shows (the newest).
MAX_MESSAGES = 200


def _html(body: str, code: int = status.HTTP_200_OK) -> HTMLResponse:
    return HTMLResponse(
        body,
        status_code=code,
        # The security headers (CSP, nosniff, no framing) come from the app's middleware.
        headers={"Cache-Control": "no-store"},
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(store: StoreDep) -> HTMLResponse:
    """The sign-in form; before any staff account exists, how to create the first one."""
    if not store.has_staff():
        return _html(render.first_run_page())
    return _html(render.login_page())


@router.post("/login", response_model=None)
def login(
    request: Request,
    form: FormFields,
    store: StoreDep,
    settings: SettingsDep,
    throttle: LoginThrottleDep,
) -> HTMLResponse | RedirectResponse:
    """Right e-mail and password: a new session and its cookie; otherwise the form, 401. After
    repeated failures the account (or the client) is locked for a while: 429, and the lockout
    is recorded for the console's overview."""
    if not store.has_staff():  # no password can be right: say how to create an account
        return _html(render.first_run_page(), status.HTTP_401_UNAUTHORIZED)
    email = form.get("email", "").strip()[:254]
    client = client_address(request)
    wait = throttle.locked_for(email, client)
    if wait is not None:
        return _locked(email, wait)
    member = store.staff_by_email(email) if email else None
    if not verify_password(member.password_hash if member else None, form.get("password", "")):
        if throttle.failed(email, client):
            store.add_security_event(
                "sign_in_locked",
                email,
                client,
                "Too many wrong passwords: sign-in refused for 15 minutes.",
            )
            return _locked(email, throttle.locked_for(email, client) or 60)
        page = render.login_page("Wrong e-mail or password.", email)
        return _html(page, status.HTTP_401_UNAUTHORIZED)
    assert member is not None
    throttle.succeeded(email)
    token = new_token()
    lifetime = timedelta(hours=settings.staff_session_hours)
    store.create_staff_session(member.id, token_hash(token), utcnow() + lifetime)
    response = RedirectResponse("/staff", status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


def _locked(email: str, seconds: int) -> HTMLResponse:
    minutes = max(1, math.ceil(seconds / 60))
    message = (
        "Too many failed sign-ins. For your account's safety, sign-in is paused: try again in "
        f"{minutes} minute{'s' if minutes > 1 else ''}, or ask an administrator."
    )
    response = _html(render.login_page(message, email), status.HTTP_429_TOO_MANY_REQUESTS)
    response.headers["Retry-After"] = str(seconds)
    return response


@router.post("/logout")
def logout(staff: CurrentStaff, form: CheckedForm, store: StoreDep) -> RedirectResponse:
    store.delete_staff_session(token_hash(staff.token))
    response = RedirectResponse(LOGIN_PATH, status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("", response_class=HTMLResponse)
def queue(
    staff: CurrentStaff, tickets: TicketsDep, state: StateQuery = None, q: SearchQuery = None
) -> HTMLResponse:
    chosen = state if state in TICKET_STATES else None
    return _html(render.queue_page(staff, tickets.list(state=chosen, search=q), chosen, q))


@router.get("/overview", response_class=HTMLResponse)
def overview(staff: CurrentStaff, store: StoreDep) -> HTMLResponse:
    return _html(render.overview_page(staff, build_overview(store)))


@router.get("/tickets/{ref}", response_class=HTMLResponse)
def ticket(
    ref: str,
    staff: CurrentStaff,
    store: StoreDep,
    error: Annotated[str | None, Query(max_length=500)] = None,
    notice: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    try:
        found = store.ticket(ref)
    except NotFoundError as exc:
        return _html(render.not_found_page(staff, str(exc)), status.HTTP_404_NOT_FOUND)
    page = render.ticket_page(staff, found, store.messages(found.conversation_id), error, notice)
    return _html(page)


@router.get("/feedback/{feedback_id}", response_class=HTMLResponse)
def rated_conversation(
    feedback_id: Annotated[int, Path(ge=1, le=2**63 - 1)], staff: CurrentStaff, store: StoreDep
) -> HTMLResponse:
    """The conversation a rating belongs to, read-only. Reached by the rating's id, so the
    conversation id (a bearer token for the public API) stays out of URLs and logs."""
    try:
        rated = store.feedback_comment(feedback_id)
    except NotFoundError as exc:
        return _html(render.not_found_page(staff, str(exc)), status.HTTP_404_NOT_FOUND)
    conversation = store.get_conversation(rated.conversation_id)
    if conversation is None:
        message = f"no conversation for feedback {feedback_id}"
        return _html(render.not_found_page(staff, message), status.HTTP_404_NOT_FOUND)
    messages = store.messages(conversation.id, limit=MAX_MESSAGES)
    return _html(render.conversation_page(staff, conversation, messages, rated))


@router.get("/sources/{doc_id}", response_class=HTMLResponse)
def source(doc_id: str, staff: CurrentStaff, retriever: RetrieverDep) -> HTMLResponse:
    """Any indexed document, staff-only ones included (``/sources/{doc_id}`` serves only
    public ones): where a ticket's sources link to."""
    try:
        meta, body = retriever.document(doc_id, audience="staff")
    except DocumentNotFoundError as exc:
        return _html(render.not_found_page(staff, str(exc)), status.HTTP_404_NOT_FOUND)
    return _html(render.source_page(staff, meta, body))


Action = Callable[[TicketService, str, str], object]


def _act(
    store: Store, tickets: TicketService, staff: SignedIn, ref: str, action: Action, done: str
) -> RedirectResponse | HTMLResponse:
    """Run a ticket action as the signed-in staff member, then back to the ticket page
    (saying what happened, or why it could not)."""
    try:
        canonical = store.ticket(ref).ref
    except NotFoundError as exc:
        return _html(render.not_found_page(staff, str(exc)), status.HTTP_404_NOT_FOUND)
    try:
        action(tickets, canonical, staff.email)
    except (StoreError, ValueError, KnowledgeBaseError) as exc:
        target = render.ticket_url(canonical, error=str(exc))
    else:
        target = render.ticket_url(canonical, notice=done)
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


@router.post("/tickets/{ref}/claim", response_model=None)
def claim(
    ref: str, staff: CurrentStaff, form: CheckedForm, store: StoreDep, tickets: TicketsDep
) -> RedirectResponse | HTMLResponse:
    return _act(store, tickets, staff, ref, lambda t, r, a: t.claim(r, a), "Claimed.")


@router.post("/tickets/{ref}/reply", response_model=None)
def reply(
    ref: str, staff: CurrentStaff, form: CheckedForm, store: StoreDep, tickets: TicketsDep
) -> RedirectResponse | HTMLResponse:
    text = form.get("text", "")
    return _act(
        store,
        tickets,
        staff,
        ref,
        lambda t, r, a: t.reply(r, a, text),
        "Reply sent: it is in the user's conversation.",
    )


@router.post("/tickets/{ref}/resolve", response_model=None)
def resolve(
    ref: str, staff: CurrentStaff, form: CheckedForm, store: StoreDep, tickets: TicketsDep
) -> RedirectResponse | HTMLResponse:
    note = form.get("note", "").strip() or None
    return _act(store, tickets, staff, ref, lambda t, r, a: t.resolve(r, a, note), "Resolved.")


@router.post("/tickets/{ref}/promote", response_model=None)
def promote(
    ref: str, staff: CurrentStaff, form: CheckedForm, store: StoreDep, tickets: TicketsDep
) -> RedirectResponse | HTMLResponse:
    question = form.get("question", "").strip() or None
    answer = form.get("answer", "").strip() or None
    return _act(
        store,
        tickets,
        staff,
        ref,
        lambda t, r, a: t.promote(r, a, question=question, answer=answer),
        "Promoted to an FAQ and indexed: the assistant answers it from now on.",
    )

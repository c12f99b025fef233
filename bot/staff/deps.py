"""Who is signed in: ``CurrentStaff`` for every console page and staff API route, and the
CSRF checks every POST passes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, HTTPException, Request, status

from bot.config import Settings
from bot.http.contract import storable
from bot.http.deps import StoreDep
from bot.http.errors import validation_detail
from bot.staff.auth import COOKIE, CSRF_FIELD, CSRF_HEADER, csrf_ok, csrf_token, token_hash

LOGIN_PATH = "/staff/login"
MAX_FORM_BYTES = 256 * 1024
# Longer than any token we issue; longer cookies are not looked up at all.
MAX_TOKEN_CHARS = 128


@dataclass(frozen=True)
class SignedIn:
    """The staff member behind this request, and the session's CSRF token for forms."""

    staff_id: int
    email: str
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def _settings(request: Request) -> Settings:
    settings: Settings = request.state.staff_settings
    return settings


def _current_staff(request: Request, store: StoreDep) -> SignedIn:
    """The signed-in staff member; otherwise 401 (JSON API) or 303 to the sign-in form.

    Only a live session row found by the cookie's hash counts: a chat conversation id, a
    forged or an expired cookie is no one.
    """
    token = request.cookies.get(COOKIE)
    session = None
    if token and len(token) <= MAX_TOKEN_CHARS:
        session = store.staff_session(token_hash(token))
    if session is None or token is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "Sign in to the staff console first (POST /staff/login).",
            )
        raise HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": LOGIN_PATH})
    return SignedIn(staff_id=session.staff_id, email=session.email, token=token)


async def _form(request: Request) -> dict[str, str]:
    """An HTML form's fields (application/x-www-form-urlencoded); the last value wins."""
    body = await request.body()
    if not body:
        return {}
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "Send the form as application/x-www-form-urlencoded.",
        )
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "The form is too large.")
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    form = {name: values[-1] for name, values in fields.items()}
    if any(not storable(value) for value in form.values()):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            validation_detail("The form contains control characters or invalid Unicode."),
        )
    return form


CurrentStaff = Annotated[SignedIn, Depends(_current_staff)]
FormFields = Annotated[dict[str, str], Depends(_form)]
SettingsDep = Annotated[Settings, Depends(_settings)]


def _checked_form(staff: CurrentStaff, form: FormFields) -> dict[str, str]:
    """A console form from a signed-in staff member carrying this session's CSRF token."""
    if not csrf_ok(staff.token, form.get(CSRF_FIELD)):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "The form's security token is missing or stale; reload."
        )
    return form


def _checked_api(staff: CurrentStaff, request: Request) -> SignedIn:
    """A staff API change: the session's CSRF token must come in the X-CSRF-Token header
    (GET /api/staff/me tells it)."""
    if not csrf_ok(staff.token, request.headers.get(CSRF_HEADER)):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"Send the session's CSRF token in {CSRF_HEADER} (see GET /api/staff/me).",
        )
    return staff


CheckedForm = Annotated[dict[str, str], Depends(_checked_form)]
StaffChange = Annotated[SignedIn, Depends(_checked_api)]

"""Passwords, session tokens and CSRF tokens for the staff console.

Passwords are hashed with Argon2id (``argon2-cffi``). A session is a random token in an
HttpOnly cookie; the database keeps only its SHA-256, so a leaked database signs nobody in.
The CSRF token of a session is derived from that token, so it changes with every sign-in
and a page from another site can know neither.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

COOKIE = "dualuse_staff"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MIN_PASSWORD_CHARS = 10

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong
# password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-time check by the hashing library; an unknown account is checked too."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database stores for a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token(token: str) -> str:
    """The session's CSRF token: bound to the session, useless without the cookie."""
    return hmac.new(token.encode("utf-8"), b"dualuse-staff-csrf", hashlib.sha256).hexdigest()


def csrf_ok(token: str, submitted: str | None) -> bool:
    return submitted is not None and hmac.compare_digest(csrf_token(token), submitted)

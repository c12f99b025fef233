"""Rate limiting with the `limits` library (moving window): per conversation, and ten times
that per client address, so a flood of new conversations is capped too.

The counters live in memory by default (one process); with several workers they live in a
shared backend (``DUALUSE_RATE_LIMIT_STORAGE=redis://…``), or each worker would grant the
whole limit again."""

from __future__ import annotations

import math
import time

from fastapi import HTTPException, status
from limits import RateLimitItem, parse
from limits.errors import ConfigurationError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

CLIENT_FACTOR = 10


class RateLimitStorageError(ValueError):
    """The configured rate-limit backend cannot be used (unknown scheme, missing driver)."""


#: Beside questions (whose rate is configured): how often one conversation may press "Ask
#: institute staff" or rate answers, and why it was refused. Each client address gets ten
#: times as many.
ACTIONS = {
    "escalate": ("3/minute", "Your question is already with staff; please wait {s} s."),
    "feedback": ("30/minute", "Too much feedback in a short time; please wait {s} s."),
}
CHAT_REFUSAL = "Too many questions in a short time; please wait {s} s."


def moving_window(storage: str) -> MovingWindowRateLimiter:
    """A moving-window limiter on the configured backend, checked at start-up so that a
    missing Redis is a clear error rather than a 500 on the first question."""
    try:
        backend = storage_from_string(storage)
    except (ConfigurationError, ValueError) as exc:
        raise RateLimitStorageError(
            f"DUALUSE_RATE_LIMIT_STORAGE={storage!r} cannot be used: {exc}"
        ) from exc
    if not backend.check():
        raise RateLimitStorageError(
            f"DUALUSE_RATE_LIMIT_STORAGE={storage!r} does not answer; start it or unset the "
            "setting (memory:// is right for one process)."
        )
    return MovingWindowRateLimiter(backend)


class ConversationRateLimiter:
    def __init__(self, rate: str, storage: str = "memory://") -> None:
        self._rates = {"chat": (parse(rate), CHAT_REFUSAL)} | {
            action: (parse(limit), message) for action, (limit, message) in ACTIONS.items()
        }
        self._limiter = moving_window(storage)

    def check(self, conversation_id: str | None, client: str, action: str = "chat") -> None:
        """Raise 429 (with Retry-After) when the conversation or the client is over its rate
        for this action."""
        item, message = self._rates[action]
        per_client = type(item)(item.amount * CLIENT_FACTOR, item.multiples)
        # The conversation first: its refusals then do not use up the client's allowance.
        if conversation_id:
            self._hit(item, f"{action}:conversation:{conversation_id}", message)
        self._hit(per_client, f"{action}:client:{client}", message)

    def _hit(self, item: RateLimitItem, key: str, message: str) -> None:
        if self._limiter.hit(item, key):
            return
        reset, _ = self._limiter.get_window_stats(item, key)
        retry_after = max(1, math.ceil(reset - time.time()))
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=message.format(s=retry_after),
            headers={"Retry-After": str(retry_after)},
        )


# -- sign-in throttling ---------------------------------------------------------------------
# After a few wrong passwords an account is locked for a while, and so is a client address
# that tries many accounts; the counters live on the same backend, so every worker sees them.

ACCOUNT_FAILURES = "5/15 minutes"
CLIENT_FAILURES = "20/15 minutes"


class LoginThrottle:
    def __init__(self, storage: str = "memory://") -> None:
        self._limiter = moving_window(storage)
        self._account: RateLimitItem = parse(ACCOUNT_FAILURES)
        self._client: RateLimitItem = parse(CLIENT_FAILURES)

    def _checks(self, email: str, client: str) -> list[tuple[RateLimitItem, str]]:
        return [
            (self._account, f"login:account:{email.strip().lower()}"),
            (self._client, f"login:client:{client}"),
        ]

    def locked_for(self, email: str, client: str) -> int | None:
        """Seconds until this account and client may try again, or None when they may now."""
        waits = [
            self._limiter.get_window_stats(item, key)[0] - time.time()
            for item, key in self._checks(email, client)
            if not self._limiter.test(item, key)
        ]
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, email: str, client: str) -> bool:
        """Count a wrong password; True when this one locks the account or the client."""
        for item, key in self._checks(email, client):
            self._limiter.hit(item, key)
        return self.locked_for(email, client) is not None

    def succeeded(self, email: str) -> None:
        """A right password clears the account's count (not the client's)."""
        item, key = self._checks(email, "")[0]
        self._limiter.clear(item, key)

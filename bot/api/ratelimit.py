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

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


class ConversationRateLimiter:
    def __init__(self, rate: str, storage: str = "memory://") -> None:
        self._conversation = parse(rate)
        self._client = type(self._conversation)(
            self._conversation.amount * CLIENT_FACTOR, self._conversation.multiples
        )
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
        self._limiter = MovingWindowRateLimiter(backend)
        self.shared = not storage.startswith("memory://")

    def check(self, conversation_id: str | None, client: str) -> None:
        """Raise 429 (with Retry-After) when the conversation or the client is over its rate."""
        self._hit(self._client, f"client:{client}")
        if conversation_id:
            self._hit(self._conversation, f"conversation:{conversation_id}")

    def _hit(self, item: RateLimitItem, key: str) -> None:
        if self._limiter.hit(item, key):
            return
        reset, _ = self._limiter.get_window_stats(item, key)
        retry_after = max(1, math.ceil(reset - time.time()))
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many questions in a short time; please wait {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )

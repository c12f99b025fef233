"""Sign-in throttling: after a few wrong passwords an account is locked for a while, and so is
a client address that tries many accounts. Counters live on the rate-limit backend, so every
worker sees the same failures."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse

from bot.api.ratelimit import moving_window

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

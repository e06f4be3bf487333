"""A client-side token bucket, so a batch stays under a provider's requests-per-minute quota instead of
learning it from 429s. Time comes from injected `clock`/`sleep`, so tests drive it without waiting."""

from __future__ import annotations

import threading
from collections.abc import Callable


class TokenBucket:
    """`rate_per_s` tokens refill continuously up to `capacity`; each request takes one.

    A caller that finds the bucket empty reserves its token (the level goes negative) and sleeps outside the lock
    until it would have refilled, so concurrent callers queue fairly and none oversleeps.
    """

    def __init__(self, rate_per_s: float, capacity: float, *, clock: Callable[[], float],
                 sleep: Callable[[float], None]) -> None:
        if rate_per_s <= 0 or capacity < 1:
            raise ValueError("rate_per_s must be > 0 and capacity >= 1")
        self.rate, self.capacity = rate_per_s, float(capacity)
        self._clock, self._sleep = clock, sleep
        self._level = float(capacity)
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping if needed; return the seconds slept (0.0 when a token was available)."""
        with self._lock:
            now = self._clock()
            self._level = min(self.capacity, self._level + (now - self._last) * self.rate)
            self._last = now
            self._level -= 1.0
            wait = -self._level / self.rate if self._level < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait

"""Office-edited rule tables (SLA policies, calendar overrides) read through a short cache.

They are a few rows changed a few times a year but consulted by every transition that starts
a clock, so each process re-reads them at most every SLA_POLICY_CACHE_SECONDS; the admin
calls `forget()` so its own process sees a change at once.
"""

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings

T = TypeVar("T")


class RulesCache(Generic[T]):
    def __init__(self, load: Callable[[], T]):
        self._load = load
        self._until = 0.0
        self._value: T | None = None

    def get(self) -> T:
        now = time.monotonic()
        if now >= self._until:
            self._value = self._load()
            self._until = now + settings.SLA_POLICY_CACHE_SECONDS
        return self._value

    def forget(self) -> None:
        self._until = 0.0

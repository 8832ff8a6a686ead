"""Login rate limit with lockout, per user name and per client address, in memory.

``max_failures`` wrong logins within ``window_s`` lock that name (and that address) for
``lockout_s``; a success clears the name's count. In memory on purpose: a restart forgets,
which only ever lets someone try again sooner, and nothing is written per failed attempt.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoginLimiter:
    max_failures: int = 5
    window_s: float = 15 * 60
    lockout_s: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def _keys(name: str, client: str) -> tuple[str, str]:
        return f"user:{name.casefold()}", f"addr:{client}"

    def locked(self, name: str, client: str) -> float:
        """Seconds left of a lockout on this name or address; 0 when neither is locked."""
        now = self.clock()
        left = max(self._locked_until.get(k, 0.0) - now for k in self._keys(name, client))
        return max(left, 0.0)

    def failed(self, name: str, client: str) -> None:
        now = self.clock()
        for key in self._keys(name, client):
            # an address gets more tries than a name: several people may share it
            limit = self.max_failures * (4 if key.startswith("addr:") else 1)
            times = self._failures.setdefault(key, deque())
            times.append(now)
            while times and times[0] < now - self.window_s:
                times.popleft()
            if len(times) >= limit:
                self._locked_until[key] = now + self.lockout_s
                times.clear()
        if len(self._failures) > 10_000:  # bounded memory under a spray of names
            self._failures.clear()

    def succeeded(self, name: str, client: str) -> None:
        self._failures.pop(self._keys(name, client)[0], None)

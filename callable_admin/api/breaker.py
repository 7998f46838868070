"""Stop calling an upstream path that keeps failing: after a few failures in a row (timeouts,
5xx, connection errors) it is not called for a few seconds, and every page that needs it answers
at once with the 503 page instead of waiting for it; then one call tries it again."""

import threading
from dataclasses import dataclass

from callable_admin import clock

FAILURES = 3  # in a row, each after the transport's own retries
OPEN_SECONDS = 5.0


@dataclass
class _Path:
    failures: int = 0
    open_until: float = 0.0
    trying: bool = False  # one call is trying the path again after its pause


class Breaker:
    """Per process, per upstream path (ids included: one sick account does not stop the others)."""

    def __init__(self, failures: int = FAILURES, open_seconds: float = OPEN_SECONDS):
        self.failures = failures
        self.open_seconds = open_seconds
        self._paths: dict[str, _Path] = {}
        self._lock = threading.Lock()

    def allow(self, path: str) -> bool:
        """May a call to `path` go out now? After the pause, only one trial call at a time."""
        with self._lock:
            state = self._paths.get(path)
            if state is None or state.failures < self.failures:
                return True
            if clock.now() < state.open_until or state.trying:
                return False
            state.trying = True
            return True

    def succeeded(self, path: str) -> None:
        with self._lock:
            self._paths.pop(path, None)

    def failed(self, path: str) -> None:
        with self._lock:
            state = self._paths.setdefault(path, _Path())
            state.failures += 1
            state.trying = False
            if state.failures >= self.failures:
                state.open_until = clock.now() + self.open_seconds
            if len(self._paths) > 10_000:  # a bound on memory, whatever ids come and go
                self._paths.pop(next(iter(self._paths)))

    def reset(self) -> None:
        with self._lock:
            self._paths.clear()


breaker = Breaker()

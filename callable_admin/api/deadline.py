"""One deadline per dashboard request for all its upstream calls: each call may take only what
is left of the page's budget, so a slow upstream costs a page one deadline, not one per call."""

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

# When the current request's upstream calls must be over, on the monotonic clock; None: no budget.
_ends: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "upstream_deadline", default=None
)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Every upstream call made inside (fan-out threads included) ends by `seconds` from now."""
    token = _ends.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _ends.reset(token)


def remaining() -> float | None:
    """Seconds left of the current budget (0 or less: spent), None outside any budget."""
    ends = _ends.get()
    return None if ends is None else ends - time.monotonic()

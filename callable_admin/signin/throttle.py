"""Failed sign-ins counted in the cache, per username and per address, so the count is shared
by every process when the cache is Redis."""

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str) -> list[str]:
    return [f"signin-fail:user:{username.strip().lower()[:150]}", f"signin-fail:addr:{address}"]


def is_throttled(username: str, address: str) -> bool:
    counts = cache.get_many(_keys(username, address))
    return any(count >= settings.SIGNIN_MAX_FAILURES for count in counts.values())


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        # add() starts the window; incr() keeps its expiry.
        if not cache.add(key, 1, timeout=settings.SIGNIN_FAILURE_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=settings.SIGNIN_FAILURE_WINDOW)


def clear(username: str) -> None:
    cache.delete(_keys(username, "")[0])

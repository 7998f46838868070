"""Failed sign-ins, counted in the cache (by default a database table every process shares).

Three counts: per (username, address) and per address over a short window, and per username
over a longer one with a higher limit. The per-username count only refuses addresses that have
failed before: whoever hammers a username from elsewhere cannot lock its owner out."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from callable_admin import clock


def _name(username: str) -> str:
    # Case-insensitive (Demo, DEMO count as demo); hashed, so no username is kept in the cache.
    return hashlib.sha256(username.strip().casefold().encode("utf-8", "replace")).hexdigest()[:32]


def _addr(address: str) -> str:
    return hashlib.sha256(address.encode("utf-8", "replace")).hexdigest()[:32]


def _counts(username: str, address: str) -> dict[str, tuple[str, int, int]]:
    """Cache key -> (which, limit, window seconds)."""
    name, addr = _name(username), _addr(address)
    short = settings.SIGNIN_FAILURE_WINDOW
    return {
        f"signin-fail:pair:{name}:{addr}": ("pair", settings.SIGNIN_MAX_FAILURES, short),
        f"signin-fail:addr:{addr}": ("addr", settings.SIGNIN_MAX_ADDRESS_FAILURES, short),
        f"signin-fail:user:{name}": (
            "user",
            settings.SIGNIN_MAX_USER_FAILURES,
            settings.SIGNIN_USER_FAILURE_WINDOW,
        ),
    }


def _current(entries: dict) -> dict[str, int]:
    """Each count still inside its window, by which."""
    now = clock.now()
    found = cache.get_many(list(entries))
    counts = {}
    for key, (which, _, _) in entries.items():
        entry = found.get(key)
        live = isinstance(entry, tuple | list) and len(entry) == 2 and entry[1] > now
        counts[which] = int(entry[0]) if live else 0
    return counts


def is_throttled(username: str, address: str) -> bool:
    entries = _counts(username, address)
    limits = {which: limit for which, limit, _ in entries.values()}
    counts = _current(entries)
    return (
        counts["pair"] >= limits["pair"]
        or counts["addr"] >= limits["addr"]
        or (counts["user"] >= limits["user"] and counts["addr"] > 0)
    )


def record_failure(username: str, address: str) -> None:
    # Stored as (count, end of window) and written with the time left, because not every cache
    # backend's incr() keeps an entry's expiry (the database cache's resets it).
    now = clock.now()
    entries = _counts(username, address)
    found = cache.get_many(list(entries))
    for key, (_, _, window) in entries.items():
        entry = found.get(key)
        if isinstance(entry, tuple | list) and len(entry) == 2 and entry[1] > now:
            count, ends = int(entry[0]) + 1, float(entry[1])
        else:
            count, ends = 1, now + window
        cache.set(key, (count, ends), timeout=max(1, int(ends - now) + 1))


def succeeded(username: str, address: str) -> None:
    """The right password from here: this address's count for this user starts again. The
    username's own count stays, or each sign-in of its owner would renew an attacker's budget."""
    pair = next(key for key, (which, _, _) in _counts(username, address).items() if which == "pair")
    cache.delete(pair)

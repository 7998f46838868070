"""A short per-user memory of an account's flow reads (devices, numbers, trunks), so that clicking
through the canvas (inspector, outline, trace) does not read the whole device list upstream again.

Any write the dashboard sends for an account forgets it for every user (`CallableAPI._call` calls
`forget`), and an entry lives `FLOW_READS_SECONDS` at most. It needs a cache every process shares
(database or Redis): with per-process memory a write in one worker could not reach the others, so
there it is off unless the setting says otherwise.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

Reads = tuple[list, list, list]


def _seconds() -> int:
    seconds = getattr(settings, "FLOW_READS_SECONDS", None)
    if seconds is not None:
        return seconds
    backend = settings.CACHES["default"]["BACKEND"]
    return 0 if backend.endswith(("LocMemCache", "DummyCache")) else 30


def _key(account_id: str, user_key: object) -> str:
    return f"flowreads:{account_id}:{user_key}"


def _forgotten_key(account_id: str) -> str:
    return f"flowreads:forgotten:{account_id}"


def _stamp_key(account_id: str, user_key: object) -> str:
    return f"flowreads:{account_id}:{user_key}:stamp"


def new_stamp() -> float | None:
    """The stamp reads read now will be kept under (None when nothing is kept)."""
    return time.time() if _seconds() > 0 else None


def remember(
    account_id: str, user_key: object, reads: Reads, stamp: float | None = None
) -> float | None:
    """Keep these reads (under `stamp`, if one was taken when they were read); gives the stamp
    they are kept under (None when nothing is kept)."""
    seconds = _seconds()
    if seconds <= 0:
        return None
    stamp = stamp or time.time()
    cache.set_many(
        {_key(account_id, user_key): (stamp, reads), _stamp_key(account_id, user_key): stamp},
        seconds,
    )
    return stamp


def kept_stamp(account_id: str, user_key: object) -> float | None:
    """The stamp of the reads kept for this user and account, if nothing was written since: a
    process that already parsed the reads of that stamp need not fetch them again."""
    if _seconds() <= 0:
        return None
    found = cache.get_many([_stamp_key(account_id, user_key), _forgotten_key(account_id)])
    stamp = found.get(_stamp_key(account_id, user_key))
    forgotten = found.get(_forgotten_key(account_id))
    return stamp if stamp is not None and (forgotten is None or stamp > forgotten) else None


def kept(account_id: str, user_key: object) -> tuple[float, Reads] | None:
    """The reads kept for this user and account, with their stamp, if nothing was written since."""
    if _seconds() <= 0:
        return None
    found = cache.get_many([_key(account_id, user_key), _forgotten_key(account_id)])
    entry = found.get(_key(account_id, user_key))
    forgotten = found.get(_forgotten_key(account_id))
    if entry is not None and (forgotten is None or entry[0] > forgotten):
        return entry
    return None


def forget(account_id: str) -> None:
    """Whatever was kept for this account, for every user, is stale from now."""
    seconds = _seconds()
    if seconds > 0:
        cache.set(_forgotten_key(account_id), time.time(), seconds + 5)

"""Locks that hold across every thread and process sharing the database, with no cache or
Redis: whoever inserts the row named `name` holds the lock until it deletes the row, or until
the row's expiry passes (its holder died). SQLite and PostgreSQL alike refuse a second row of
the same name, which is the whole trick.

    with held(f"trunk:{account_id}:{trunk_id}"):
        read, compare, write  # one save of this trunk at a time, in every process
"""

import random
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, transaction

from callable_admin import clock
from callable_admin.api import deadline

WAIT_SECONDS = 10.0  # at most, and never past the page's deadline
HOLD_MARGIN = 5.0  # beyond the page's deadline, which bounds what a holder does upstream


class LockBusy(Exception):
    """The lock stayed taken for as long as we could wait: nothing was done."""

    def __init__(self, name: str):
        super().__init__(f"{name} is locked")
        self.name = name


@contextmanager
def held(name: str, *, wait: float | None = None, hold: float | None = None) -> Iterator[None]:
    """Hold the lock `name` (up to 200 characters) for the block. Waits up to `wait` seconds
    for it (default: what is left of the page's deadline, at most WAIT_SECONDS), then raises
    LockBusy. The lock lapses `hold` seconds after it was taken even if never released."""
    if wait is None:
        left = deadline.remaining()
        wait = WAIT_SECONDS if left is None else max(0.0, min(WAIT_SECONDS, left))
    if hold is None:
        hold = settings.CALLABLE_API_DEADLINE + HOLD_MARGIN
    owner = secrets.token_hex(8)
    gives_up = time.monotonic() + wait
    pause = 0.01
    while not _take(name, owner, hold):
        if time.monotonic() + pause > gives_up:
            raise LockBusy(name)
        time.sleep(pause * random.uniform(0.5, 1.5))  # another holder's save is running
        pause = min(pause * 2, 0.1)
    try:
        yield
    finally:
        _lock_rows().filter(name=name, owner=owner).delete()


def _lock_rows():
    from callable_admin.locks.models import Lock  # the app registry is ready only at run time

    return Lock.objects


def _take(name: str, owner: str, hold: float) -> bool:
    now = clock.now()
    rows = _lock_rows()
    rows.filter(name=name, expires__lte=now).delete()  # lapsed: its holder died or overran
    try:
        with transaction.atomic():
            rows.create(name=name, owner=owner, expires=now + hold)
    except IntegrityError:
        return False
    return True

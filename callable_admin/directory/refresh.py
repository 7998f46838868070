"""When the directory is built: on the first search (in the request when that fits the page's
deadline, else in a thread), in a thread when it is older than DIRECTORY_MAX_AGE, on "refresh now", and for one account after a write applied
through the dashboard. One build at a time per organisation, under a cache lock (`cache.add`),
so across processes too when the cache is shared (database or Redis)."""

import logging
import threading
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.dispatch import receiver

from callable_admin import clock
from callable_admin.api import deadline
from callable_admin.api.client import CallableAPI
from callable_admin.api.errors import SessionExpired, UpstreamError
from callable_admin.audit.record import write_applied
from callable_admin.directory.build import build, update_account
from callable_admin.directory.models import DirectoryBuild

log = logging.getLogger(__name__)
# Longer than any build; a process that dies holding the lock blocks builds this long at most.
LOCK_SECONDS = 15 * 60
_background: set[threading.Thread] = set()


def _lock_key(organisation_id: str) -> str:
    return f"directory-build:{organisation_id}"


def _acquire(organisation_id: str) -> str | None:
    token = uuid.uuid4().hex
    return token if cache.add(_lock_key(organisation_id), token, LOCK_SECONDS) else None


def _release(organisation_id: str, token: str) -> None:
    if cache.get(_lock_key(organisation_id)) == token:
        cache.delete(_lock_key(organisation_id))


def building(organisation_id: str) -> bool:
    return cache.get(_lock_key(organisation_id)) is not None


def state(organisation_id: str) -> DirectoryBuild | None:
    return DirectoryBuild.objects.filter(organisation_id=organisation_id).first()


def is_stale(current: DirectoryBuild | None) -> bool:
    return (
        current is None
        or current.built_at is None
        or clock.now() - current.built_at >= settings.DIRECTORY_MAX_AGE
    )


def _build_or_record(
    api: CallableAPI, organisation_id: str, summaries: list[dict] | None = None
) -> bool:
    try:
        build(api, organisation_id, summaries)
        return True
    except UpstreamError as exc:
        _record_failure(organisation_id, exc)
        if isinstance(exc, SessionExpired):
            raise
        return False


def _record_failure(organisation_id: str, exc: UpstreamError) -> None:
    log.warning("directory build for %s failed: %s", organisation_id, exc.message)
    DirectoryBuild.objects.update_or_create(
        organisation_id=organisation_id,
        defaults={"failed_at": clock.now(), "failure": f"{exc.title}: {exc.message}"[:2000]},
    )


def build_now(api: CallableAPI, organisation_id: str) -> bool | None:
    """Build in this thread. None: another build was under way (nothing done); False: failed
    (the old directory stays, the failure is recorded); True: built."""
    token = _acquire(organisation_id)
    if token is None:
        return None
    try:
        return _build_or_record(api, organisation_id)
    finally:
        _release(organisation_id, token)


def ready(api: CallableAPI, organisation_id: str) -> DirectoryBuild | None:
    """The directory's state, after building it here if it was never built, or starting a
    background refresh if it is stale. None (or never built): another request is building it
    for the first time, or the build failed."""
    current = state(organisation_id)
    if current is None or current.built_at is None:
        token = _acquire(organisation_id)
        if token is not None:
            _first_build(api, organisation_id, token)
        return state(organisation_id)
    refresh_if_stale(api, organisation_id, current)
    return current


def _first_build(api: CallableAPI, organisation_id: str, token: str) -> None:
    """The first build: here if it fits well inside the page's deadline (judged by how long
    the account list took), else in a thread, with no page deadline, while this page answers."""
    in_thread = False
    try:
        started = time.monotonic()
        summaries = api.accounts()
        round_trip = time.monotonic() - started
        rounds = 2 * len(summaries) / max(1, settings.DIRECTORY_FANOUT) + 1
        left = deadline.remaining()
        if left is not None and rounds * round_trip > left / 2:
            in_thread = True
            _start(_refresh_in_background, api, organisation_id, token, False, summaries)
        else:
            _build_or_record(api, organisation_id, summaries)
    except UpstreamError as exc:
        _record_failure(organisation_id, exc)
        if isinstance(exc, SessionExpired):
            raise
    finally:
        if not in_thread:
            _release(organisation_id, token)


def refresh_if_stale(
    api: CallableAPI, organisation_id: str, current: DirectoryBuild | None
) -> threading.Thread | None:
    """Start a build in a thread if the directory is stale and no build is under way."""
    if not is_stale(current):
        return None
    return refresh_in_background(api, organisation_id, only_if_stale=True)


def refresh_in_background(
    api: CallableAPI, organisation_id: str, *, only_if_stale: bool = False
) -> threading.Thread | None:
    """Start a build in a thread unless one is under way (then None). The request that starts
    it answers at once; the thread holds the lock until the build ends."""
    token = _acquire(organisation_id)
    if token is None:
        return None
    return _start(_refresh_in_background, api, organisation_id, token, only_if_stale)


def _start(target, *args) -> threading.Thread:
    # A new thread starts with an empty context: no page deadline, no page's call log.
    thread = threading.Thread(target=target, args=args, name="directory-build", daemon=True)
    _background.add(thread)
    thread.start()
    return thread


def _refresh_in_background(
    api: CallableAPI,
    organisation_id: str,
    token: str,
    only_if_stale: bool,
    summaries: list[dict] | None = None,
) -> None:
    try:
        # Another process may have finished a build between our look and our lock.
        if not only_if_stale or is_stale(state(organisation_id)):
            _build_or_record(api, organisation_id, summaries)
    except Exception:
        log.exception("directory refresh for %s failed", organisation_id)
    finally:
        _release(organisation_id, token)
        connections.close_all()
        _background.discard(threading.current_thread())


def wait_for_background(timeout: float = 60) -> None:
    """Let background builds finish (tests, and a clean shutdown)."""
    for thread in list(_background):
        thread.join(timeout)


@receiver(write_applied)
def _account_changed(sender, request, account_id: str, **kwargs) -> None:
    """A write applied through the dashboard: read that account's entry again, once a request."""
    organisation_id = getattr(request.user, "organisation_id", "")
    done = request.__dict__.setdefault("directory_updated", set())
    if account_id in done or state(organisation_id) is None:
        return
    done.add(account_id)
    try:
        update_account(request.callable, organisation_id, account_id)
    except UpstreamError as exc:
        # The write went through; the entry catches up at the next build.
        log.warning("directory entry of %s not updated: %s", account_id, exc.message)


def age_text(current: DirectoryBuild | None) -> str:
    """How long ago the directory was built, as people say it ("4 minutes ago")."""
    if current is None or current.built_at is None:
        return ""
    seconds = max(0, int(clock.now() - current.built_at))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"

"""The Callable API as plain methods, one per upstream call, as one signed-in user.

Answers are the upstream's JSON objects, checked for shape and kept whole: an object carries
every field the upstream sent, known or not, so an update can send them all back."""

import contextvars
import functools
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.conf import settings
from django.db import connections

from callable_admin.api import flowreads
from callable_admin.api.errors import SessionExpired, Unauthorized, UpstreamUnavailable
from callable_admin.api.fanout import Readers
from callable_admin.api.transport import Answer, Transport, api_path, check_id

T = TypeVar("T")


class TokenSource(Protocol):
    def access_token(self) -> str: ...

    def after_rejection(self, rejected_token: str) -> str: ...


class StaticToken:
    """A token just received at sign-in, used once before the session holds it."""

    def __init__(self, token: str):
        self.token = token

    def access_token(self) -> str:
        return self.token

    def after_rejection(self, rejected_token: str) -> str:
        raise SessionExpired("The Callable API refused the token it had just issued.")


@dataclass
class Created:
    """What a 201 told us: the new object's id if anything named it, and the object if sent."""

    id: str | None
    body: dict | None


def _object(answer: Answer, what: str) -> dict:
    if not isinstance(answer.body, dict):
        raise UpstreamUnavailable(f"The Callable API sent an odd answer for {what}.")
    return answer.body


def _objects(answer: Answer, what: str) -> list[dict]:
    body = answer.body
    if body is None:
        return []
    if not isinstance(body, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("id"), str) for entry in body
    ):
        raise UpstreamUnavailable(f"The Callable API sent an odd answer for {what}.")
    return body


def _id_from_location(location: str | None) -> str | None:
    if not location:
        return None
    last = location.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    try:
        return check_id(last)
    except Exception:
        return None


class CallableAPI:
    def __init__(self, transport: Transport, tokens: TokenSource):
        self.transport = transport
        self.tokens = tokens

    def _call(self, method: str, *segments: str, json_body: object = None) -> Answer:
        if method != "GET" and len(segments) > 1 and segments[0] == "account":
            # before as well as after: a write that fails half-way may still have changed things
            flowreads.forget(segments[1])
            try:
                return self._send(method, segments, json_body)
            finally:
                flowreads.forget(segments[1])
        return self._send(method, segments, json_body)

    def _send(self, method: str, segments: tuple[str, ...], json_body: object) -> Answer:
        path = api_path(*segments)
        token = self.tokens.access_token()
        try:
            return self.transport.request(method, path, token=token, json_body=json_body)
        except Unauthorized:
            # The upstream refused a token we thought good: refresh once, retry once.
            token = self.tokens.after_rejection(token)
            try:
                return self.transport.request(method, path, token=token, json_body=json_body)
            except Unauthorized as exc:
                raise SessionExpired("The Callable API no longer accepts your sign-in.") from exc

    # Organisation and accounts
    def me(self) -> dict:
        return _object(self._call("GET", "userAccounts", "me"), "the organisation")

    def accounts(self) -> list[dict]:
        return _objects(self._call("GET", "account"), "the accounts")

    def account(self, account_id: str) -> dict:
        return _object(self._call("GET", "account", check_id(account_id)), "the account")

    def address(self, account_id: str) -> dict:
        answer = self._call("GET", "account", check_id(account_id), "address")
        return {} if answer.body is None else _object(answer, "the address")

    def put_address(self, account_id: str, address: dict) -> None:
        self._call("PUT", "account", check_id(account_id), "address", json_body=address)

    def ddis(self, account_id: str) -> list[dict]:
        return _objects(self._call("GET", "account", check_id(account_id), "ddi"), "the numbers")

    # Trunks, hooks, devices share one shape: list, get, create, update, delete.
    def _list(self, account_id: str, kind: str) -> list[dict]:
        return _objects(self._call("GET", "account", check_id(account_id), kind), f"the {kind}s")

    def _get(self, account_id: str, kind: str, object_id: str) -> dict:
        answer = self._call("GET", "account", check_id(account_id), kind, check_id(object_id))
        return _object(answer, f"the {kind}")

    def _create(self, account_id: str, kind: str, document: dict, *, find: bool = True) -> Created:
        """With `find` off, a 201 that names nothing gives `Created(None, None)`: a caller creating
        many objects lists once before and once after instead of twice per object."""
        before = {entry["id"] for entry in self._list(account_id, kind)} if find else set()
        answer = self._call("POST", "account", check_id(account_id), kind, json_body=document)
        body = answer.body if isinstance(answer.body, dict) else None
        new_id = body.get("id") if body and isinstance(body.get("id"), str) else None
        new_id = new_id or _id_from_location(answer.location)
        if new_id is None and find:
            # 201 with nothing naming the new object: it is the one that was not there before.
            fresh = [entry for entry in self._list(account_id, kind) if entry["id"] not in before]
            if len(fresh) == 1:
                new_id, body = fresh[0]["id"], fresh[0]
        return Created(new_id, body)

    def _update(self, account_id: str, kind: str, object_id: str, document: dict) -> None:
        self._call(
            "PUT", "account", check_id(account_id), kind, check_id(object_id), json_body=document
        )

    def _delete(self, account_id: str, kind: str, object_id: str) -> None:
        self._call("DELETE", "account", check_id(account_id), kind, check_id(object_id))

    def trunks(self, account_id: str) -> list[dict]:
        return self._list(account_id, "trunk")

    def trunk(self, account_id: str, trunk_id: str) -> dict:
        return self._get(account_id, "trunk", trunk_id)

    def create_trunk(self, account_id: str, trunk: dict) -> Created:
        return self._create(account_id, "trunk", trunk)

    def update_trunk(self, account_id: str, trunk_id: str, trunk: dict) -> None:
        self._update(account_id, "trunk", trunk_id, trunk)

    def delete_trunk(self, account_id: str, trunk_id: str) -> None:
        self._delete(account_id, "trunk", trunk_id)

    def hooks(self, account_id: str) -> list[dict]:
        return self._list(account_id, "hook")

    def hook(self, account_id: str, hook_id: str) -> dict:
        return self._get(account_id, "hook", hook_id)

    def create_hook(self, account_id: str, hook: dict) -> Created:
        return self._create(account_id, "hook", hook)

    def update_hook(self, account_id: str, hook_id: str, hook: dict) -> None:
        self._update(account_id, "hook", hook_id, hook)

    def delete_hook(self, account_id: str, hook_id: str) -> None:
        self._delete(account_id, "hook", hook_id)

    def devices(self, account_id: str) -> list[dict]:
        return self._list(account_id, "device")

    def flow_devices(self, account_id: str) -> list:
        """The device list as sent, entries unchecked: the flow model reports an entry that is
        not a device as a finding instead of the whole canvas failing."""
        answer = self._call("GET", "account", check_id(account_id), "device")
        if answer.body is None:
            return []
        if not isinstance(answer.body, list):
            raise UpstreamUnavailable("The Callable API sent an odd answer for the devices.")
        return answer.body

    def device(self, account_id: str, device_id: str) -> dict:
        return self._get(account_id, "device", device_id)

    def create_device(self, account_id: str, device: dict, *, find: bool = True) -> Created:
        return self._create(account_id, "device", device, find=find)

    def update_device(self, account_id: str, device_id: str, device: dict) -> None:
        self._update(account_id, "device", device_id, device)

    def delete_device(self, account_id: str, device_id: str) -> None:
        self._delete(account_id, "device", device_id)

    # Voice channel
    def place_call(self, account_id: str, call: dict) -> Created:
        answer = self._call(
            "POST", "account", check_id(account_id), "channels", "voice", json_body=call
        )
        body = answer.body if isinstance(answer.body, dict) else None
        call_id = body.get("id") if body and isinstance(body.get("id"), str) else None
        return Created(call_id or _id_from_location(answer.location), body)


# Per process; a read takes an idle thread or a new one, never a queue behind other pages.
_readers = Readers()


def _in_pool(read: Callable[[], T]) -> T:
    try:
        return read()
    finally:
        # A read may have touched the database (a token refresh); pool threads live on, so they
        # must not keep connections open between requests.
        connections.close_all()


def gather(*reads: Callable[[], T], tolerate: bool = False) -> list:
    """Run independent reads at once, so a page of k reads costs about one round trip.

    Each read runs in a copy of the caller's context (request id, call log, deadline). With `tolerate`,
    a failed read gives its exception in its place; otherwise the first failure is raised once
    every read has ended. The last read runs in this thread, which would only wait meanwhile:
    one thread handoff fewer per page."""
    if not reads:
        return []
    *others, last = reads
    futures = [
        _readers.submit(functools.partial(contextvars.copy_context().run, _in_pool, read))
        for read in others
    ]
    own_error: Exception | None = None
    try:
        own: object = contextvars.copy_context().run(last)
    except Exception as exc:
        own = own_error = exc
    results: list = []
    first_error: BaseException | None = None
    for future in futures:
        try:
            results.append(future.result())
        except Exception as exc:
            results.append(exc)
            first_error = first_error or exc
    results.append(own)
    first_error = first_error or own_error
    if first_error is not None and not tolerate:
        raise first_error
    return results


def fan_out(reads: Sequence[Callable[[], T]], *, at_most: int) -> list:
    """Run many reads with at most `at_most` in flight, results in order, a failed read's
    exception in its place: a long job (the number directory) never has thousands of reads in
    flight, and pages never queue behind them."""
    results: list = [None] * len(reads)
    pending: dict[Future, int] = {}
    context = contextvars.copy_context()
    upcoming = iter(range(len(reads)))

    def submit(index: int) -> None:
        pending[_readers.submit(functools.partial(context.copy().run, _in_pool, reads[index]))] = (
            index
        )

    for index in upcoming:
        submit(index)
        if len(pending) >= max(1, at_most):
            break
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            index = pending.pop(future)
            try:
                results[index] = future.result()
            except Exception as exc:
                results[index] = exc
            following = next(upcoming, None)
            if following is not None:
                submit(following)
    return results


_transport: Transport | None = None


def transport() -> Transport:
    """The process's transport to `CALLABLE_API_URL` (rebuilt if the setting changes, as in tests)."""
    global _transport
    wanted = (
        settings.CALLABLE_API_URL.rstrip("/"),
        (settings.CALLABLE_API_CONNECT_TIMEOUT, settings.CALLABLE_API_TIMEOUT),
    )
    if _transport is None or (_transport.base_url, _transport.timeout) != wanted:
        _transport = Transport(
            settings.CALLABLE_API_URL,
            connect_timeout=settings.CALLABLE_API_CONNECT_TIMEOUT,
            read_timeout=settings.CALLABLE_API_TIMEOUT,
            pool_size=settings.CALLABLE_API_POOL_SIZE,
            user_agent=settings.CALLABLE_API_USER_AGENT,
        )
    return _transport

"""HTTP to the Callable API: pooled keep-alive connections, timeouts within the page's deadline,
GET-only retries, a breaker for paths that keep failing, status
codes turned into the error types of `errors.py`, and a record of every call for logs and the
Server-Timing header."""

import contextvars
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

import requests
import urllib3
from requests.structures import CaseInsensitiveDict
from requests.utils import DEFAULT_CA_BUNDLE_PATH, get_encoding_from_headers
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)

from callable_admin.api import deadline
from callable_admin.api.breaker import breaker
from callable_admin.api.errors import (
    BadCredentials,
    InvalidId,
    Unauthorized,
    UpstreamError,
    UpstreamForbidden,
    UpstreamMethodNotAllowed,
    UpstreamNotFound,
    UpstreamPaused,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from callable_admin.text import valid_text

log = logging.getLogger("callable_admin.api")

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_id(value: object) -> str:
    """An id from a URL or a form, refused before it can reach the upstream."""
    if isinstance(value, str) and ID_PATTERN.fullmatch(value):
        return value
    raise InvalidId(f"{value!r} is not an id")


def api_path(*segments: str) -> str:
    """`/api/v1/<segments>` with every segment percent-quoted: no segment can add a path level."""
    return "/api/v1/" + "/".join(quote(str(s), safe="") for s in segments)


@dataclass
class UpstreamCall:
    method: str
    path: str
    status: int | None
    ms: float


@dataclass
class CallLog:
    """The upstream calls one dashboard request made (shared with fan-out threads)."""

    calls: list[UpstreamCall] = field(default_factory=list)

    @property
    def total_ms(self) -> float:
        return sum(c.ms for c in self.calls)


current_calls: contextvars.ContextVar[CallLog | None] = contextvars.ContextVar(
    "upstream_calls", default=None
)


@dataclass
class Answer:
    status: int
    body: object
    location: str | None


class Transport:
    """Speaks HTTP to one upstream base URL. Safe to share between threads: each thread keeps its
    own urllib3 pool of keep-alive connections to the upstream's host.

    urllib3 directly, not a `requests.Session`: the session's per-call work (merging settings,
    cookies, hooks) cost about as much CPU as the call itself. The answer is still a
    `requests.Response` (same `.text`, `.json()`), and failures are the same as requests' with
    no retries: a connection never made, a connect timeout, a read timeout, anything else."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        pool_size: int,
        user_agent: str,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.pool_size = pool_size
        self.user_agent = user_agent
        # What requests sent by default, with ours; no cookies, no proxies, no .netrc.
        self.headers = {
            "User-Agent": user_agent,
            "Accept-Encoding": "gzip, deflate",
            "Accept": "application/json",
            "Connection": "keep-alive",
        }
        self._base_path = urlsplit(self.base_url).path  # calls go to this path + theirs
        self._local = threading.local()

    def _pool(self) -> urllib3.HTTPConnectionPool:
        """This thread's pool of connections to the upstream's one host."""
        pool = getattr(self._local, "pool", None)
        if pool is None:
            tls = {"cert_reqs": "CERT_REQUIRED", "ca_certs": DEFAULT_CA_BUNDLE_PATH}
            pool = urllib3.connection_from_url(
                self.base_url,
                maxsize=self.pool_size,
                # verified against the CA bundle requests used (certifi's), as before
                **(tls if self.base_url.startswith("https:") else {}),
            )
            self._local.pool = pool
        return pool

    def _timeouts(self) -> tuple[float, float]:
        """(connect, read) for the next attempt: the configured ones, cut to the page's budget."""
        left = deadline.remaining()
        if left is None:
            return self.timeout
        if left <= 0:
            raise UpstreamTimeout(
                "This page ran out of time waiting for the Callable API, so nothing more was "
                "asked of it."
            )
        return (min(self.timeout[0], left), min(self.timeout[1], left))

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json_body: object = None,
        form: dict | None = None,
    ) -> Answer:
        """One upstream call. A GET is retried (at most twice) after a 502/503/504, any call after
        a failure to connect (nothing was sent); never past the page's deadline. A path whose
        breaker is open is not called at all."""
        timeouts = self._timeouts()
        if not breaker.allow(path):
            raise UpstreamPaused(
                "The Callable API kept failing on this just now, so it is left alone for a few "
                "seconds. Try again in a moment.",
                upstream_status=503,
            )
        healthy = False
        try:
            for attempt in range(RETRIES + 1):
                last = attempt == RETRIES
                try:
                    response = self._attempt(method, path, token, json_body, form, timeouts)
                except (_NotConnected, _ConnectTimedOut):
                    if last:
                        raise
                else:
                    if response.status_code not in RETRY_STATUSES or method != "GET" or last:
                        healthy = response.status_code < 500
                        return _answered(response)
                time.sleep(BACKOFF * 2**attempt)
                timeouts = self._timeouts()
            raise AssertionError("unreachable")  # the last attempt returns or raises
        finally:
            breaker.succeeded(path) if healthy else breaker.failed(path)

    def _attempt(self, method, path, token, json_body, form, timeouts) -> requests.Response:
        headers = dict(self.headers)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body, separators=(",", ":"))
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        status = None
        try:
            raw = self._pool().urlopen(
                method,
                self._base_path + path,
                body=body,
                headers=headers,
                # as requests without retries: connection failures raise MaxRetryError, a
                # failure after sending raises as it is
                retries=_NO_RETRIES,
                redirect=False,
                timeout=urllib3.Timeout(connect=timeouts[0], read=timeouts[1]),
                preload_content=True,
            )
            response = _response(raw, self.base_url + path)
            status = response.status_code
            return response
        except MaxRetryError as exc:
            if isinstance(exc.reason, NewConnectionError):
                raise _NotConnected("Could not reach the Callable API.") from exc
            if isinstance(exc.reason, ConnectTimeoutError):
                raise _ConnectTimedOut(
                    "The Callable API did not accept a connection in time."
                ) from exc
            raise UpstreamUnavailable("Could not reach the Callable API.") from exc
        except ReadTimeoutError as exc:
            raise UpstreamTimeout("The Callable API did not answer in time.") from exc
        except (HTTPError, OSError, ValueError) as exc:
            raise UpstreamUnavailable("Could not reach the Callable API.") from exc
        finally:
            ms = (time.perf_counter() - started) * 1000
            record = current_calls.get()
            if record is not None:
                record.calls.append(UpstreamCall(method, path, status, ms))
            log.debug("%s %s %s %.0fms", method, path, status if status is not None else "-", ms)


_NO_RETRIES = urllib3.Retry(0, read=False)


def _response(raw: urllib3.HTTPResponse, url: str) -> requests.Response:
    """urllib3's answer as the `requests.Response` requests would have made of it."""
    response = requests.Response()
    response.status_code = raw.status
    response.headers = CaseInsensitiveDict(raw.headers)
    response.encoding = get_encoding_from_headers(response.headers)
    response.reason = raw.reason
    response.url = url
    response._content = raw.data or b""
    return response


def _answered(response: requests.Response) -> Answer:
    try:
        return _answer(response)
    except UpstreamError as exc:
        exc.html_page = _is_html_page(response)
        raise


def _is_html_page(response: requests.Response) -> bool:
    """An error page (a proxy's, a gateway's), not an answer of the API itself."""
    content_type = response.headers.get("Content-Type", "").lower()
    return "html" in content_type or response.text.lstrip()[:1] == "<"


RETRIES = 2
RETRY_STATUSES = (502, 503, 504)
BACKOFF = 0.1  # seconds before the first retry, doubling


class _NotConnected(UpstreamUnavailable):
    """No connection was made, so nothing was sent: safe to try again whatever the method."""


class _ConnectTimedOut(UpstreamTimeout):
    """As `_NotConnected`, for a connection not accepted in time."""


def _answer(response: requests.Response) -> Answer:
    status = response.status_code
    if 200 <= status < 300:
        body = None
        if status != 204 and response.content.strip():
            try:
                body = _json(response)
            except (ValueError, RecursionError) as exc:  # not JSON, or nested beyond reason
                raise UpstreamUnavailable(
                    "The Callable API answered with something that is not JSON."
                ) from exc
        return Answer(status, body, response.headers.get("Location"))
    message, field_errors = _explain(response)
    if status in (400, 409, 422):
        raise UpstreamRejected(message, field_errors=field_errors, upstream_status=status)
    if status == 401:
        raise Unauthorized(message, upstream_status=status)
    if status == 403:
        raise UpstreamForbidden(message, upstream_status=status)
    if status == 404:
        raise UpstreamNotFound(message, upstream_status=status)
    if status == 405:
        raise UpstreamMethodNotAllowed(message, upstream_status=status)
    if status == 429:
        raise UpstreamThrottled(message, upstream_status=status)
    if status == 504:
        raise UpstreamTimeout(message, upstream_status=status)
    if 300 <= status < 400:
        raise UpstreamUnavailable(
            "The Callable API answered with a redirect.", upstream_status=status
        )
    raise UpstreamUnavailable(message, upstream_status=status)


_TAGS = re.compile(r"<[^>]+>")
# a \uD800-\uDFFF escape: the only way JSON text can hold a lone surrogate
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _json(response: requests.Response) -> object:
    """The body as JSON, every string valid text: a lone surrogate (valid JSON, no character)
    becomes U+FFFD here, once, so that no page, export or log line fails to encode it."""
    body = response.json()
    if _SURROGATE_ESCAPE.search(response.content):
        body = valid_text(body)  # the rare answer: the scan above costs a fraction of parsing
    return body


def _explain(response: requests.Response) -> tuple[str, dict[str, list[str]]]:
    """The upstream's own message and per-field errors, whatever shape its error body has."""
    fallback = f"The Callable API answered {response.status_code} {response.reason or ''}".strip()
    try:
        body = _json(response)
    except (ValueError, RecursionError):
        text = " ".join(_TAGS.sub(" ", response.text or "").split())
        return (text[:300] or fallback), {}
    return explain_error_body(body, fallback)


def explain_error_body(body: object, fallback: str) -> tuple[str, dict[str, list[str]]]:
    field_errors: dict[str, list[str]] = {}
    if isinstance(body, str):
        return body[:300] or fallback, {}
    if not isinstance(body, dict):
        return fallback, {}
    message = ""
    for key in ("message", "error_description", "detail", "error"):
        if isinstance(body.get(key), str) and body[key].strip():
            message = body[key].strip()
            break
    errors = body.get("errors")
    if isinstance(errors, list):
        for entry in errors:
            if isinstance(entry, dict):
                name = entry.get("field") or entry.get("name") or ""
                text = entry.get("message") or entry.get("error") or ""
                if isinstance(text, str) and text:
                    field_errors.setdefault(str(name), []).append(text)
            elif isinstance(entry, str):
                field_errors.setdefault("", []).append(entry)
    elif isinstance(errors, dict):
        body = errors
    if not field_errors and isinstance(body, dict):
        # Field-keyed bodies: {"port": ["must be ..."], ...}
        for name, value in body.items():
            if name in ("message", "error", "error_description", "detail", "status", "code"):
                continue
            if isinstance(value, str):
                field_errors.setdefault(name, []).append(value)
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                field_errors.setdefault(name, []).extend(value)
    if not message:
        first = next(iter(field_errors.values()), [])
        message = first[0] if first else fallback
    return message[:300], field_errors


def authorize(transport: Transport, form: dict) -> dict:
    """POST /api/v1/oauth/authorize (password or refresh grant); the token answer, checked."""
    try:
        answer = transport.request("POST", api_path("oauth", "authorize"), form=form)
    except (UpstreamRejected, Unauthorized, UpstreamForbidden) as exc:
        if exc.html_page:
            # A proxy's error page is a fault upstream, not a refusal of these credentials.
            raise UpstreamUnavailable(
                "The Callable API answered sign-in with an error page "
                f"(HTTP {exc.upstream_status}).",
                upstream_status=exc.upstream_status,
            ) from exc
        raise BadCredentials(exc.message, upstream_status=exc.upstream_status) from exc
    body = answer.body
    # A refresh may or may not rotate the refresh token, so only the access token is required.
    if not (isinstance(body, dict) and isinstance(body.get("access_token"), str)):
        raise UpstreamUnavailable("The Callable API sent a token answer without a token.")
    return body

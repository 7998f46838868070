"""Request ids, the upstream timing header, and the one place upstream errors become pages."""

import contextvars
import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.encoding import escape_uri_path

from callable_admin.api import deadline
from callable_admin.api.errors import InvalidId, SessionExpired, UpstreamError, UpstreamNotFound
from callable_admin.api.transport import CallLog, current_calls
from callable_admin.errors import error_response
from callable_admin.locks import LockBusy

log = logging.getLogger("callable_admin.request")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class RequestIdMiddleware:
    """Gives each request an id (a proxy's X-Request-ID if sane) and one deadline for all its
    upstream calls, logs one line per request, and reports upstream time and call count in
    Server-Timing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex[:16]
        request.request_id = rid
        id_token = request_id.set(rid)
        calls = CallLog()
        calls_token = current_calls.set(calls)
        started = time.perf_counter()
        try:
            with deadline.within(settings.CALLABLE_API_DEADLINE):
                response = self.get_response(request)
            total_ms = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %s %.0fms (upstream: %d calls, %.0fms)",
                request.method,
                escape_uri_path(request.path),  # percent-encoded: no line breaks from a URL
                response.status_code,
                total_ms,
                len(calls.calls),
                calls.total_ms,
            )
        finally:
            current_calls.reset(calls_token)
            request_id.reset(id_token)
        response["X-Request-ID"] = rid
        response["Server-Timing"] = (
            f'upstream;dur={calls.total_ms:.1f};desc="{len(calls.calls)} calls", '
            f"total;dur={total_ms:.1f}"
        )
        return response


class UpstreamErrorMiddleware:
    """Every upstream error a view lets rise ends here, as the page design.md promises."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, SessionExpired):
            from callable_admin.signin.middleware import end_session

            return end_session(request, "Your session has ended. Please sign in again.")
        if isinstance(exception, InvalidId):
            return error_response(
                request, 404, "No such page", "That address does not name anything here."
            )
        if isinstance(exception, UpstreamNotFound):
            return _not_found(request, exception)
        if isinstance(exception, UpstreamError):
            log.warning(
                "upstream error on %s: %s (%s)",
                request.path,
                type(exception).__name__,
                exception.upstream_status,
            )
            status = exception.status
            if status == 502 and exception.upstream_status == 503:
                status = 503
            return error_response(
                request,
                status,
                exception.title,
                exception.message,
                retry=status >= 500 or status == 429,
            )
        if isinstance(exception, LockBusy):
            return error_response(
                request,
                503,
                "Someone else is saving this",
                "Another save of the same thing is taking long, so nothing was done. Try again "
                "in a moment.",
                retry=True,
            )
        if isinstance(exception, PermissionDenied):
            return error_response(
                request, 403, "Not allowed", str(exception) or "Your role does not allow this."
            )
        return None


# What a page's URL names, most specific first, for a 404 that says what is missing.
MISSING = [("trunk_id", "SIP trunk"), ("hook_id", "hook"), ("account_id", "account")]


def _not_found(request, exception):
    """A plain 404: what is missing, why that may be, and where to go; the API's words below."""
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    thing = next((name for key, name in MISSING if key in kwargs), "page")
    if thing == "account" or "account_id" not in kwargs:
        message = f"There is no such {thing}: it may have been removed, or the link is out of date."
        back = (reverse("accounts:list"), "Find an account")
    else:
        message = (
            f"This account has no such {thing}: it may have been removed, or the link is out "
            "of date."
        )
        back = (reverse("accounts:overview", args=[kwargs["account_id"]]), "Back to the account")
    return error_response(
        request, 404, f"No such {thing}", message, detail=exception.message, back=back
    )


class HealthCheckMiddleware:
    """Answers /healthz and /readyz before host checks and the HTTPS redirect, so a container's
    own probes on 127.0.0.1 over plain HTTP get their answer whatever ALLOWED_HOSTS says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in ("/healthz", "/readyz"):
            from callable_admin.views import healthz, readyz

            return healthz(request) if request.path == "/healthz" else readyz(request)
        return self.get_response(request)

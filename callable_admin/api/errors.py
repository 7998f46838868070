"""What can go wrong with an upstream call, as types. Views let these rise; one middleware
(`callable_admin.middleware.UpstreamErrorMiddleware`) turns each kind into the page `design.md`
promises, and form views hand them to `callable_admin.forms.save_or_explain`."""


class UpstreamError(Exception):
    """Base of every failure of a call to the Callable API."""

    status = 502
    title = "The Callable API did not answer"
    html_page = False  # the answer was an HTML error page (a proxy's), not the API's own

    def __init__(self, message: str = "", *, upstream_status: int | None = None):
        super().__init__(message or self.title)
        self.message = message or self.title
        self.upstream_status = upstream_status


class InvalidId(UpstreamError):
    """An id from a URL that does not look like an upstream id; never sent upstream."""

    status = 404
    title = "No such page"


class UpstreamUnavailable(UpstreamError):
    """Refused connection, dropped connection, 5xx, or an answer that is not what the API sends."""

    status = 502


class UpstreamTimeout(UpstreamUnavailable):
    status = 504
    title = "The Callable API did not answer in time"


class UpstreamPaused(UpstreamUnavailable):
    """Not called: this upstream path kept failing moments ago (see `api/breaker.py`)."""

    status = 503
    title = "The Callable API is not answering"


class UpstreamRejected(UpstreamError):
    """400/409/422: the upstream refused the input, with its message and any field errors."""

    status = 400
    title = "The Callable API refused the change"

    def __init__(
        self,
        message: str,
        *,
        field_errors: dict[str, list[str]] | None = None,
        upstream_status: int | None = None,
    ):
        super().__init__(message, upstream_status=upstream_status)
        self.field_errors = field_errors or {}


class UpstreamNotFound(UpstreamError):
    status = 404
    title = "The Callable API has no such thing"


class UpstreamForbidden(UpstreamError):
    status = 403
    title = "The Callable API refused access"


class UpstreamThrottled(UpstreamError):
    status = 429
    title = "The Callable API asked us to slow down"


class UpstreamMethodNotAllowed(UpstreamError):
    """404/405 to a DELETE: the API does not remove this kind of thing."""

    status = 405
    title = "The Callable API does not allow this"


class Unauthorized(UpstreamError):
    """401 from the upstream: the access token was not accepted (refresh and retry once)."""

    status = 401


class SessionExpired(UpstreamError):
    """The refresh token is dead or the local session is gone: the user must sign in again."""

    status = 401
    title = "Your session has ended"


class BadCredentials(UpstreamError):
    """Sign-in refused by the upstream, with its message."""

    status = 401
    title = "Sign-in refused"

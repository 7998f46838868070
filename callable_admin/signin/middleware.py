"""Attaches the signed-in user's Callable API client and roles to each request, and sends
anyone not signed in (or whose upstream session died) to the sign-in page."""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, logout
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.crypto import constant_time_compare

from callable_admin import clock
from callable_admin.api.client import CallableAPI, transport
from callable_admin.signin import kept
from callable_admin.signin.models import TokenGrant
from callable_admin.signin.tokens import GrantTokens

GRANT_KEY = "callable_grant"
TOUCHED_KEY = "callable_touched"
TOUCH_EVERY = 60  # seconds


def _page_of(current_url: str) -> str:
    """The path and query of the page an HTMX request came from; "/" if the header is not a URL
    (a client sends what it likes: `http://[::1` must not become a 500)."""
    try:
        parts = urlsplit(current_url)
    except ValueError:
        return "/"
    return (parts.path + (f"?{parts.query}" if parts.query else "")) or "/"


def end_session(request, message: str) -> HttpResponse:
    """The upstream session is over: sign out, keep what a form POST carried, go to sign-in."""
    kept_id = kept.keep(request)
    logout(request)
    return sign_in_redirect(request, message, kept_id=kept_id)


def sign_in_redirect(
    request, message: str | None = None, *, kept_id: int | None = None
) -> HttpResponse:
    """To /login/?next=<where they were>; an HTMX request gets HX-Redirect instead of a sign-in
    page inside a panel. A kept form's id goes into the (new, anonymous) session: sign-in
    claims it."""
    if kept_id:
        request.session[kept.KEPT_KEY] = kept_id
        message = (
            "Your session ended before this was saved. Sign in again: what you typed is kept, "
            "and the form will show it again."
        )
    if request.htmx:
        # For a fragment request, "where they were" is the page, not the fragment's URL.
        where = _page_of(request.headers.get("HX-Current-URL", ""))
    else:
        where = request.get_full_path() if request.method == "GET" else request.path
    if message:
        messages.warning(request, message)
    target = settings.LOGIN_URL + "?" + urlencode({"next": where})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


def _give_auth_the_user(request, user) -> None:
    """`request.user` is `user` (already read) when Django's auth would give it for this session:
    the session names it, with a configured backend, and its auth hash matches. Anything else
    (another user, a hash only a fallback key makes, no hash) is left to auth to decide."""
    session = request.session
    if (
        hasattr(request, "_cached_user")
        or str(session.get(SESSION_KEY)) != str(user.pk)
        or session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS
        or not getattr(user, "is_active", True)  # ModelBackend.user_can_authenticate
        or not constant_time_compare(
            session.get(HASH_SESSION_KEY) or "", user.get_session_auth_hash()
        )
    ):
        return
    request._cached_user = user  # what AuthenticationMiddleware's lazy request.user returns


class UpstreamSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.callable = None
        request.grant = None
        request.roles = []
        request.is_admin = request.can_call = False
        grant = None
        if GRANT_KEY in request.session:
            # The grant and its user in one query; auth then reads no user row of its own. The
            # refresh token is not decrypted here: a refresh reads the row afresh (tokens.py).
            grant = (
                TokenGrant.objects.select_related("user")
                .defer("refresh_token")
                .filter(pk=request.session[GRANT_KEY])
                .first()
            )
            if grant is not None:
                _give_auth_the_user(request, grant.user)
        if request.user.is_authenticated:
            # No grant, a dead refresh token, or tokens no configured key can decrypt.
            if grant is None or grant.refresh_expires <= clock.now() or not grant.access_token:
                if grant is not None:
                    grant.delete()
                return end_session(request, "Your session has ended. Please sign in again.")
            tokens = GrantTokens(grant.pk, transport(), grant)
            request.grant = grant
            request.callable = CallableAPI(transport(), tokens)
            request.roles = list(grant.roles)
            request.is_admin = settings.ROLE_ADMIN in grant.roles
            request.can_call = settings.ROLE_VOICE in grant.roles
            # Idle timeout, but never past the refresh token's death. The session is written at
            # most once a minute for it, not on every request.
            now = clock.now()
            if now - request.session.get(TOUCHED_KEY, 0) >= TOUCH_EVERY:
                request.session[TOUCHED_KEY] = now
                remaining = int(grant.refresh_expires - now)
                request.session.set_expiry(max(1, min(settings.SESSION_IDLE_SECONDS, remaining)))
            if request.method == "GET" and not request.htmx and kept.KEPT_KEY in request.session:
                offered = kept.offer(request)
                if offered is not None:
                    try:
                        return self.get_response(request)
                    finally:
                        kept.settle(request, offered)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "login_required", True) and not request.user.is_authenticated:
            return sign_in_redirect(request, kept_id=kept.keep(request))
        return None

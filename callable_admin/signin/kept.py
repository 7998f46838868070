"""A form POST that arrives after its session ended loses nothing: its fields are kept on the
server for the user who typed them, and after they sign in again the same form shows them for
review (bound, with any errors), never sent again by itself."""

import contextvars
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.http import QueryDict
from django.utils import timezone

from callable_admin.signin.models import CallableUser, KeptForm

KEPT_KEY = "callable_kept_form"
KEEP_FOR = timedelta(hours=1)
NOT_KEPT = {"csrfmiddlewaretoken", "password"}


@dataclass
class Offer:
    request: object
    data: QueryDict
    taken: bool = False


current: contextvars.ContextVar[Offer | None] = contextvars.ContextVar("kept_form", default=None)


def _user_of_ended_session(request) -> CallableUser | None:
    """Whose session the browser's cookie named, though it has expired (rows stay until
    `clearsessions`)."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    row = Session.objects.filter(session_key=key[:40]).first() if key else None
    if row is None:
        return None
    user_id = row.get_decoded().get(SESSION_KEY)
    return CallableUser.objects.filter(pk=user_id).first() if user_id else None


def _page_path(request) -> str:
    """The page the user comes back to after sign-in: for HTMX, the page that sent the form."""
    if getattr(request, "htmx", False):
        try:
            return urlsplit(request.headers.get("HX-Current-URL", "")).path or request.path
        except ValueError:
            return request.path
    return request.path


def keep(request) -> int | None:
    """Keep a form POST's fields; call before the session is ended. The id, or None."""
    if request.method != "POST" or request.path.startswith(("/login", "/logout")):
        return None
    fields = [[name, values] for name, values in request.POST.lists() if name not in NOT_KEPT]
    if not fields:
        return None
    user = request.user if request.user.is_authenticated else _user_of_ended_session(request)
    if user is None:
        return None  # nobody's session: nothing typed into a signed-in form (nor kept for spam)
    path = _page_path(request)[:500]
    return KeptForm.objects.create(user=user, path=path, fields=fields).pk


def claim(request, user: CallableUser, kept_id: int | None) -> None:
    """At sign-in: the form kept in this browser is offered if this user typed it. Forms kept
    too long are dropped."""
    KeptForm.objects.filter(created__lt=timezone.now() - KEEP_FOR).delete()
    if kept_id and KeptForm.objects.filter(pk=kept_id, user=user).exists():
        request.session[KEPT_KEY] = kept_id
    else:
        request.session.pop(KEPT_KEY, None)


def offer(request) -> contextvars.Token | None:
    """On the GET of the page the form was posted from, offer its fields to the form there."""
    row = KeptForm.objects.filter(pk=request.session[KEPT_KEY], user=request.user).first()
    if row is None or row.created < timezone.now() - KEEP_FOR:
        request.session.pop(KEPT_KEY, None)
        return None
    if row.path != request.path:
        return None
    data = QueryDict(mutable=True)
    for name, values in row.fields:
        data.setlist(name, values)
    return current.set(Offer(request, data))


def settle(request, token: contextvars.Token) -> None:
    """After the page: a form that took the fields has them on screen, and a page without such
    a form cannot show them; either way they are offered once."""
    current.reset(token)
    KeptForm.objects.filter(pk=request.session.pop(KEPT_KEY, None)).delete()


def take() -> QueryDict | None:
    """For a form about to be shown empty: the fields kept for it, once."""
    offered = current.get()
    if offered is None or offered.taken:
        return None
    offered.taken = True
    messages.info(
        offered.request,
        "You were signed out before this was saved. What you typed is back in the form: "
        "check it and save again.",
    )
    return offered.data.copy()

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from callable_admin.api.client import CallableAPI, StaticToken, transport
from callable_admin.api.errors import BadCredentials, UpstreamError
from callable_admin.api.transport import authorize
from callable_admin.signin import kept, throttle
from callable_admin.signin.middleware import GRANT_KEY
from callable_admin.signin.models import CallableUser, TokenGrant
from callable_admin.signin.tokens import open_grant, purge_ended_grants


class SignInForm(forms.Form):
    username = forms.CharField(max_length=150, strip=True)
    password = forms.CharField(max_length=1024, strip=False, widget=forms.PasswordInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and target.startswith("/")
        and not target.startswith("/login")
    ):
        return target
    return reverse("home")


def _client_address(request: HttpRequest) -> str:
    """Who is signing in, for throttling. Behind our proxy every request comes from the proxy;
    the client is the last address it appended (earlier ones are the client's own claims)."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return request.META.get("REMOTE_ADDR", "unknown")


@login_not_required
@sensitive_post_parameters("password")
@never_cache
@csrf_protect
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return HttpResponseRedirect(_safe_next(request, request.GET.get("next")))
    if request.method != "POST":
        form = SignInForm(initial={"next": request.GET.get("next", "")})
        return render(request, "signin/login.html", {"form": form})

    form = SignInForm(request.POST)
    if not form.is_valid():
        # The password is never echoed back into the page.
        return render(request, "signin/login.html", {"form": form}, status=400)
    username = form.cleaned_data["username"]
    address = _client_address(request)
    if throttle.is_throttled(username, address):
        form.add_error(None, "Too many failed sign-ins. Wait 15 minutes and try again.")
        return render(request, "signin/login.html", {"form": form}, status=429)
    try:
        answer = authorize(
            transport(), {"username": username, "password": form.cleaned_data["password"]}
        )
    except BadCredentials as exc:
        throttle.record_failure(username, address)
        form.add_error(None, exc.message or "Wrong username or password.")
        return render(request, "signin/login.html", {"form": form}, status=401)
    except UpstreamError as exc:
        form.add_error(None, f"{exc.title}. Try again in a moment.")
        return render(request, "signin/login.html", {"form": form}, status=exc.status)

    # Who is this, and in which organisation? Asked with the new token itself.
    try:
        organisation = CallableAPI(transport(), StaticToken(answer["access_token"])).me()
    except UpstreamError as exc:
        form.add_error(None, f"{exc.title}. Try again in a moment.")
        return render(request, "signin/login.html", {"form": form}, status=exc.status)
    if not isinstance(organisation.get("id"), str) or not organisation["id"]:
        form.add_error(None, "The Callable API did not say which organisation you belong to.")
        return render(request, "signin/login.html", {"form": form}, status=502)

    throttle.succeeded(username, address)
    user = CallableUser.objects.for_upstream(username, organisation)
    # Signing in again ends the grant of the session it replaces.
    TokenGrant.objects.filter(pk=request.session.get(GRANT_KEY)).delete()
    kept_id = request.session.get(kept.KEPT_KEY)  # login() may flush the session
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # new session key
    if not request.session.session_key:
        request.session.save()  # login() flushed another user's session: the grant needs its key
    request.session[GRANT_KEY] = open_grant(user, answer, request.session.session_key).pk
    purge_ended_grants()
    kept.claim(request, user, kept_id)
    return HttpResponseRedirect(_safe_next(request, form.cleaned_data.get("next")))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    grant_id = request.session.get(GRANT_KEY)
    if grant_id:
        TokenGrant.objects.filter(pk=grant_id).delete()
    logout(request)  # flushes the session row: the old cookie is worthless
    messages.info(request, "You have signed out.")
    return HttpResponseRedirect(reverse("login"))

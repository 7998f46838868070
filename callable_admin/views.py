from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from callable_admin.accounts.search import matching_accounts
from callable_admin.accounts.views import directory_main_numbers
from callable_admin.api.client import gather, transport
from callable_admin.api.errors import Unauthorized, UpstreamError
from callable_admin.api.transport import api_path

HOME_ACCOUNTS = 24  # the rest are one click away, on the searchable list


def home(request: HttpRequest) -> HttpResponse:
    organisation, accounts = gather(request.callable.me, request.callable.accounts)
    accounts = matching_accounts(accounts, "")
    numbers = directory_main_numbers(request)
    shown = [{**account, "mbn": numbers.get(account["id"], "")} for account in accounts]
    context = {
        "organisation": organisation,
        "accounts": shown[:HOME_ACCOUNTS],
        "account_count": len(accounts),
    }
    return render(request, "home.html", context)


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any database failure means not ready
        checks["database"] = f"failed: {type(exc).__name__}"
    try:
        transport().request("GET", api_path("userAccounts", "me"))
        checks["upstream"] = "ok"
    except Unauthorized:
        checks["upstream"] = "ok"  # it answered, and refused an anonymous call as it should
    except UpstreamError as exc:
        checks["upstream"] = f"failed: {exc.title}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if ready else 503)

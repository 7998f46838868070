"""The audit log: every write attempted through the dashboard, for the organisation's admins."""

import csv
from datetime import UTC
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from callable_admin.api.errors import SessionExpired, UpstreamError
from callable_admin.audit.models import AuditEntry
from callable_admin.signin.roles import admin_required

ENTRIES_PER_PAGE = 50
CSV_COLUMNS = [
    "time (UTC)",
    "user",
    "organisation",
    "account",
    "object kind",
    "object id",
    "action",
    "changes",
    "outcome",
    "message",
    "request id",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _entries(request: HttpRequest) -> tuple[QuerySet, dict]:
    """This organisation's entries, narrowed by the `account` and `user` filters."""
    entries = AuditEntry.objects.filter(organisation_id=request.user.organisation_id)
    filters = {
        "account": request.GET.get("account", "").strip()[:64],
        "user": request.GET.get("user", "").strip()[:150],
    }
    if filters["account"]:
        entries = entries.filter(account_id=filters["account"])
    if filters["user"]:
        entries = entries.filter(username=filters["user"])
    return entries, filters


@require_http_methods(["GET", "HEAD"])
@admin_required
def audit_log(request: HttpRequest) -> HttpResponse:
    entries, filters = _entries(request)
    if request.GET.get("format") == "csv":
        return _csv(entries)
    everything = AuditEntry.objects.filter(organisation_id=request.user.organisation_id)
    account_ids = sorted(set(everything.values_list("account_id", flat=True)))
    names = _account_names(request)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for entry in page.object_list:
        entry.account_name = names.get(entry.account_id, "")
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "filters": filters,
            "filtered": any(filters.values()),
            "account_choices": sorted(
                ((account_id, names.get(account_id, account_id)) for account_id in account_ids),
                key=lambda pair: pair[1].casefold(),
            ),
            "users": sorted(set(everything.values_list("username", flat=True))),
            "export_query": urlencode({name: value for name, value in filters.items() if value}),
        },
    )


@require_http_methods(["GET", "HEAD"])
@admin_required
def audit_csv(request: HttpRequest) -> HttpResponse:
    entries, _ = _entries(request)
    return _csv(entries)


def _account_names(request: HttpRequest) -> dict[str, str]:
    """Account id -> name, to show names rather than ids; the log stands without them."""
    try:
        accounts = request.callable.accounts()
    except SessionExpired:
        raise
    except UpstreamError:
        return {}
    return {account["id"]: str(account.get("name") or account["id"]) for account in accounts}


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _changes_text(entry: AuditEntry) -> str:
    return "; ".join(f"{name}: {before} → {after}" for name, before, after in entry.change_rows())


def _csv(entries: QuerySet) -> HttpResponse:
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response.write("\ufeff")  # so spreadsheets read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator():
        writer.writerow(
            [
                _cell(value)
                for value in (
                    entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.username,
                    entry.organisation_id,
                    entry.account_id,
                    entry.object_kind,
                    entry.object_id,
                    entry.action,
                    _changes_text(entry),
                    entry.outcome,
                    entry.message,
                    entry.request_id,
                )
            ]
        )
    return response

"""The audit log: every write attempted through the dashboard, for everyone of the organisation
(support staff read it too)."""

import csv
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from callable_admin.api.errors import SessionExpired, UpstreamError
from callable_admin.audit.models import AuditEntry

ENTRIES_PER_PAGE = 50
CSV_COLUMNS = [
    "time (UTC)",
    "user",
    "organisation",
    "account",
    "object kind",
    "object id",
    "object name",
    "action",
    "changes",
    "outcome",
    "message",
    "request id",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class AuditFilters(forms.Form):
    """What narrows the log; a value that is not valid is said by its field and not applied."""

    account = forms.CharField(required=False, max_length=64)
    object = forms.CharField(required=False, max_length=64)  # "address" or an object's id
    user = forms.CharField(required=False, max_length=150)
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="Until")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "Choose a day on or after the first day.")
        return data


def _entries(request: HttpRequest) -> tuple[QuerySet, AuditFilters]:
    """This organisation's entries, narrowed by the valid filters."""
    entries = AuditEntry.objects.filter(organisation_id=request.user.organisation_id)
    filters = AuditFilters(request.GET)
    filters.is_valid()
    chosen = {
        name: value
        for name, value in filters.cleaned_data.items()
        if value not in (None, "") and name not in filters.errors
    }
    if "account" in chosen:
        entries = entries.filter(account_id=chosen["account"])
    if "user" in chosen:
        entries = entries.filter(username=chosen["user"])
    if chosen.get("object") == "address":
        entries = entries.filter(object_kind="address")
    elif "object" in chosen:
        entries = entries.filter(object_id=chosen["object"])
    zone = timezone.get_current_timezone()
    if "since" in chosen:
        entries = entries.filter(at__gte=datetime.combine(chosen["since"], time.min, zone))
    if "until" in chosen:
        next_day = chosen["until"] + timedelta(days=1)
        entries = entries.filter(at__lt=datetime.combine(next_day, time.min, zone))
    return entries, filters


@require_http_methods(["GET", "HEAD"])
def audit_log(request: HttpRequest) -> HttpResponse:
    entries, filters = _entries(request)
    if request.GET.get("format") == "csv":
        return _csv(entries)
    everything = AuditEntry.objects.filter(organisation_id=request.user.organisation_id)
    account_ids = sorted(set(everything.values_list("account_id", flat=True)))
    names = _account_names(request)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    known = _object_names(everything)
    for entry in page.object_list:
        entry.account_name = names.get(entry.account_id, "")
        entry.shown_message = with_names(entry.message, {**known, **names})
    account = filters.cleaned_data.get("account") or ""
    query = {name: value for name, value in request.GET.items() if name != "page" and value}
    return render(
        request,
        "audit/log.html",
        {
            "page": page,
            "filters": filters,
            "filtered": bool(query),
            "account_choices": sorted(
                ((account_id, names.get(account_id, account_id)) for account_id in account_ids),
                key=lambda pair: pair[1].casefold(),
            ),
            "object_choices": _object_choices(everything, account),
            "users": sorted(set(everything.values_list("username", flat=True))),
            "export_query": urlencode(query),
        },
        status=400 if filters.errors else 200,
    )


def _object_names(entries: QuerySet) -> dict[str, str]:
    """Object id → its name as last recorded, to name what upstream messages name by id."""
    return {
        object_id: name
        for object_id, name in entries.exclude(object_name="")
        .order_by("at")
        .values_list("object_id", "object_name")
        if object_id
    }


def with_names(message: str, names: dict[str, str]) -> str:
    """An upstream message with the ids it names followed by their names: "device 7aa4… ('Primary
    GW')". Ids are opaque (never parsed), so only whole known ids are looked for."""
    if not message or not names:
        return message
    found = [object_id for object_id in names if len(object_id) >= 8 and object_id in message]
    for object_id in sorted(found, key=len, reverse=True):
        message = message.replace(object_id, f"‘{names[object_id]}’")
    return message


def _object_choices(entries: QuerySet, account_id: str) -> list[tuple[str, str]]:
    """(value, label) of each object the log names, newest name first: "trunk Office PBX"."""
    if account_id:
        entries = entries.filter(account_id=account_id)
    seen: dict[str, str] = {}
    for kind, object_id, name in entries.values_list("object_kind", "object_id", "object_name"):
        if kind == "address":
            seen.setdefault("address", "address")
        elif object_id and object_id not in seen:
            seen[object_id] = f"{kind} {name}" if name else f"{kind} {object_id}"
    return sorted(seen.items(), key=lambda pair: pair[1].casefold())


@require_http_methods(["GET", "HEAD"])
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
                    entry.object_name,
                    entry.action,
                    _changes_text(entry),
                    entry.outcome,
                    entry.message,
                    entry.request_id,
                )
            ]
        )
    return response

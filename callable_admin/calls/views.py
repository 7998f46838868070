"""Placing calls: the builder, its live preview, and the log of calls placed from here."""

import json
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from callable_admin import phones
from callable_admin.api.client import gather
from callable_admin.api.errors import (
    UpstreamError,
    UpstreamForbidden,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from callable_admin.api.transport import current_calls
from callable_admin.audit.record import audited
from callable_admin.calls.forms import (
    ADDRESS_COUNTRY,
    CallForm,
    in_e164,
    region_for,
    region_from_form,
)
from callable_admin.calls.models import PlacedCall
from callable_admin.calls.verbs import (
    PRESETS,
    VERB_KINDS,
    Draft,
    apply,
    build_call,
    describe_target,
    describe_verb,
    device_ids,
    draft_from_call,
    form_field_for,
    split,
    starting_draft,
    upstream_paths,
)
from callable_admin.forms import save_or_explain
from callable_admin.masking import masked_document
from callable_admin.signin.roles import voice_required

TAG_ACTIONS = ("add-tag", "remove-tag")


def _pretty(document: object) -> str:
    """A call body or answer as a person reads it: indented, credentials (a tag's apiKey) masked."""
    return json.dumps(masked_document(document), indent=2, ensure_ascii=False)


def _preview(draft: Draft) -> dict:
    call = build_call(draft)
    return {"call": call, "call_json": _pretty(call)}


def _account_and_devices(request: HttpRequest, account_id: str) -> tuple[dict, list[dict]]:
    """The account (with its address's country, where numbers typed nationally are read) and
    its devices, read at once."""
    account, devices, address = gather(
        lambda: request.callable.account(account_id),
        lambda: request.callable.devices(account_id),
        lambda: request.callable.address(account_id),
        tolerate=True,
    )
    for result in (account, devices):
        if isinstance(result, BaseException):
            raise result
    if isinstance(address, dict):  # without the address, the main number's country serves
        account = {**account, ADDRESS_COUNTRY: address.get("country")}
    return account, devices


def _builder(account: dict, form: CallForm, focus: str = "") -> dict:
    """What the builder's templates need, whole page or one section."""
    return {
        "account": account,
        "number_region": region_for(account),
        "tab": "calls",
        "form": form,
        "focus": focus,
        "verb_kinds": VERB_KINDS,
        "presets": {name: label for name, (label, _) in PRESETS.items()},
        **_preview(form.draft),
    }


def _starting_draft(request: HttpRequest, account_id: str) -> Draft:
    again = request.GET.get("again")
    if again is not None:
        if not again.isdecimal() or len(again) > 18:
            raise Http404("No such call.")
        placed = get_object_or_404(PlacedCall, pk=int(again), account_id=account_id)
        return draft_from_call(placed.request_body)
    preset = PRESETS.get(request.GET.get("preset", ""))
    return draft_from_call(preset[1]) if preset else starting_draft()


@voice_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, account_id: str) -> HttpResponse:
    if request.method == "GET":
        account, devices = _account_and_devices(request, account_id)
        form = CallForm(_starting_draft(request, account_id), account=account, devices=devices)
        return render(request, "calls/new.html", _builder(account, form))

    draft = split(dict(request.POST.items()))
    try:
        account, devices = _account_and_devices(request, account_id)
    except KEEP_THE_CALL_ON as exc:
        if request.htmx:
            raise  # the error shows in #flash; the page, and all typed on it, stays
        return _builder_kept(request, account_id, draft, exc)
    draft = in_e164(draft, region_for(account))
    action = request.POST.get("action", "")
    if action != "place":
        # The builder's buttons: the server changes the draft; HTMX swaps just that section.
        draft, focus = apply(draft, action)
        context = _builder(account, CallForm(draft, account=account, devices=devices), focus)
        if not request.htmx:
            return render(request, "calls/new.html", context)
        section = "tags" if action.startswith(TAG_ACTIONS) else "verbs"
        return HttpResponse(
            render_to_string(f"calls/new.html#{section}", context, request)
            + render_to_string("calls/new.html#preview", {**context, "oob": True}, request)
        )

    form = CallForm(draft, account=account, devices=devices, bound=True)
    if not form.is_valid():
        return render(request, "calls/new.html", _builder(account, form), status=400)
    body = build_call(draft)
    field_names = {
        path: name for path in upstream_paths(body) if (name := form_field_for(path, draft))
    }
    saved, status, placed = save_or_explain(
        form, lambda: _place(request, account_id, body), field_names
    )
    if not saved:
        return render(request, "calls/new.html", _builder(account, form), status=status)
    messages.success(
        request,
        f"Call placed to {describe_target(body['target'], shown_number=phones.readable)}"
        + (f": upstream id {placed.call_id}." if placed.call_id else "."),
    )
    return HttpResponseRedirect(reverse("calls:log", args=[account_id]) + f"#call-{placed.pk}")


# The reads before placing failed or were refused: the builder comes back as typed. (A dead
# session goes to sign-in, which keeps a form of its own; a bad id is a 404 before any call.)
KEEP_THE_CALL_ON = (UpstreamUnavailable, UpstreamRejected, UpstreamForbidden, UpstreamThrottled)


def _builder_kept(
    request: HttpRequest, account_id: str, draft: Draft, exc: UpstreamError
) -> HttpResponse:
    """The reads before placing failed: the builder again as typed, and why nothing was placed."""
    account = {"id": account_id}
    chosen = [{"id": device_id, "name": device_id} for device_id in device_ids(draft)]
    form = CallForm(draft, account=account, devices=chosen)
    status = 503 if exc.upstream_status == 503 else exc.status
    context = {**_builder(account, form), "unavailable": exc.title}
    return render(request, "calls/new.html", context, status=status)


def _last_status() -> int | None:
    """The status of the latest upstream call, as the transport recorded it."""
    log = current_calls.get()
    return log.calls[-1].status if log and log.calls else None


def _place(request: HttpRequest, account_id: str, body: dict) -> PlacedCall:
    """Place the call, and log the attempt whatever the upstream answers."""
    placed = PlacedCall(
        account_id=account_id,
        user=request.user,
        username=request.user.upstream_username,
        request_body=body,
        request_id=getattr(request, "request_id", ""),
    )
    try:
        with audited(
            request, account_id=account_id, kind="call", action="place", after=body
        ) as entry:
            created = request.callable.place_call(account_id, body)
            entry.object_id = (created.id or "")[:64]
    except UpstreamError as exc:
        refused = isinstance(exc, UpstreamRejected)
        placed.outcome = PlacedCall.REFUSED if refused else PlacedCall.FAILED
        placed.upstream_status = exc.upstream_status
        placed.message = exc.message[:2000]
        placed.answer = {"errors": exc.field_errors} if refused and exc.field_errors else None
        placed.save()
        raise
    placed.outcome = PlacedCall.APPLIED
    placed.upstream_status = _last_status()
    placed.call_id = (created.id or "")[:64]
    placed.answer = created.body
    placed.save()
    return placed


@voice_required
@require_POST
def preview(request: HttpRequest, account_id: str) -> HttpResponse:
    """The body the builder's current values make; no upstream call."""
    region = region_from_form(request.POST.get("number_region", ""))
    draft = in_e164(split(dict(request.POST.items())), region)
    return render(request, "calls/new.html#preview", _preview(draft))


@dataclass
class LoggedCall:
    placed: PlacedCall
    target: str
    verbs: list[str]
    request_json: str
    answer_json: str


@require_safe
def log(request: HttpRequest, account_id: str) -> HttpResponse:
    account, devices = gather(
        lambda: request.callable.account(account_id),
        lambda: request.callable.devices(account_id),
        tolerate=True,
    )
    if isinstance(account, Exception):
        raise account
    # Device names only make the summaries friendlier: the log is ours and shows without them.
    names = (
        {}
        if isinstance(devices, Exception)
        else {device["id"]: str(device.get("name") or device["id"]) for device in devices}
    )
    page = Paginator(PlacedCall.objects.filter(account_id=account_id), 25).get_page(
        request.GET.get("page")
    )
    calls = []
    for placed in page:
        body = placed.request_body if isinstance(placed.request_body, dict) else {}
        verbs = body.get("verbs") if isinstance(body.get("verbs"), list) else []
        calls.append(
            LoggedCall(
                placed,
                describe_target(body.get("target"), names, phones.readable),
                [describe_verb(verb, names) for verb in verbs],
                _pretty(body),
                _pretty(placed.answer) if placed.answer is not None else "",
            )
        )
    return render(
        request,
        "calls/log.html",
        {"account": account, "tab": "calls", "page": page, "calls": calls},
    )

"""The flow editor: an admin's draft of an account's flow, changed one POST at a time.

Every editing URL is a plain POST that works without JavaScript (it redirects back to `edit/`);
with HTMX it answers with only what changed, as out-of-band swaps: the cards and links touched,
the findings, the undo state. Only `edit/` itself may read the upstream, to start a draft; every
edit after that reads and writes our database only. Only admins edit: every view here refuses
anyone else (403) before it reads anything.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from callable_admin.api.transport import ID_PATTERN
from callable_admin.errors import error_response
from callable_admin.signin.roles import admin_required
from flows import drafts
from flows.drafts import DraftChanged, OpenDraft
from flows.model import edit
from flows.model.devicetypes import ROUTE_START, TYPES, looks, type_label
from flows.model.draft import Change, DraftState
from flows.model.edit import EditRefused, NoSuchDevice
from flows.model.findings import Checked, Finding, check, revalidate
from flows.model.graph import Flow, reparse
from flows.model.layout import Layout, layout, repinned
from flows.model.svg import dom_id, render_fragments
from flows.model.svg import render as render_svg
from flows.models import Draft, DraftStep
from flows.views import inspector

SVG_SLOT = "<!--flow-svg-->"


class NoDraft(Exception):
    """The draft this page edits is gone (discarded or published in another tab)."""


@dataclass(eq=False)
class Editing:
    """A draft as the editor reads it: its state, and the flow and findings of that state."""

    account_id: str
    draft: OpenDraft
    flow: Flow
    checked: Checked
    placed: Layout | None = None
    # the layout before the last change of links: lends its unchanged bands to the next one
    earlier: Layout | None = None

    @property
    def findings(self) -> list[Finding]:
        return self.checked.findings

    @property
    def state(self) -> DraftState:
        return self.draft.state

    @property
    def account(self) -> dict:
        return self.draft.context.get("account") or {"id": self.account_id}

    def layout(self) -> Layout:
        if self.placed is None:
            self.placed = layout(self.flow, self.state.positions, previous=self.earlier)
            self.earlier = None
        return self.placed

    def refresh(self, change: Change) -> None:
        """The flow and findings after the change: only the devices it touched are read again.
        The layout is kept while no card moved and no link changed (a renamed device); a move
        changes only the moved cards' places; else the bands that did not change are reused."""
        relayout = False
        if change.devices:
            before = {
                device_id: (self.flow.outgoing(device_id), _type(self.flow, device_id))
                for device_id in change.devices
            }
            count = len(self.flow.devices)
            previous = self.flow
            self.flow = reparse(self.flow, self.state.device_list(), change.devices)
            self.checked = revalidate(self.checked, previous, self.flow)
            relayout = count != len(self.flow.devices) or any(
                (self.flow.outgoing(device_id), _type(self.flow, device_id)) != old
                for device_id, old in before.items()
            )
        if relayout:
            if self.placed is not None:
                self.earlier = self.placed
            self.placed = None
        elif change.positions and self.placed is not None:
            self.placed = repinned(self.placed, self.flow, self.state.positions, change.positions)

    def save(self, change: Change, kind: str = DraftStep.EDIT) -> None:
        """One step written (the change itself, or that it was undone or redone), not the whole
        draft; when the draft's columns are written whole, only those this step may change."""
        # an edit changes neither the base nor the context; a move, not the devices either
        columns = ("devices", "positions", "undo", "redo") if change.devices else MOVED
        step = (kind, change if kind == DraftStep.EDIT else None)
        drafts.save(self.draft, columns, step)


MOVED = ("positions", "undo", "redo")

# This process's last reading of each draft it edited (state, flow, findings), by draft pk: the
# next edit of the same version skips reading and parsing a thousand devices again. A request
# takes its entry out while it works, so no two threads share one state.
_kept: dict[int, Editing] = {}
_kept_lock = threading.Lock()
KEPT_DRAFTS = 16


def _editing(draft: OpenDraft, account_id: str) -> Editing:
    flow = draft.flow()
    return Editing(account_id, draft, flow, check(flow))


def _type(flow: Flow, device_id: str) -> str | None:
    device = flow.devices.get(device_id)
    return device.type if device is not None else None


def _load(request: HttpRequest, account_id: str) -> Editing:
    found = (
        Draft.objects.filter(user=request.user, account_id=account_id)
        .values_list("pk", "version", "started")
        .first()
    )
    if found is None:
        raise NoDraft
    pk, version, started = found
    with _kept_lock:
        kept = _kept.pop(pk, None)
    # a draft discarded and started again may reuse the pk: its start tells them apart
    if kept is not None and (kept.draft.row.version, kept.draft.row.started) == (version, started):
        return kept
    draft = drafts.load(request.user, account_id)
    if draft is None:
        raise NoDraft
    return _editing(draft, account_id)


def _keep(editing: Editing) -> None:
    with _kept_lock:
        _kept[editing.draft.row.pk] = editing
        while len(_kept) > KEPT_DRAFTS:
            del _kept[next(iter(_kept))]


def _edit_url(account_id: str, device_id: str | None = None) -> str:
    url = reverse("flows:edit", args=[account_id])
    return f"{url}?device={device_id}" if device_id else url


def _findings_context(editing: Editing) -> dict:
    findings = editing.findings
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    rows = []
    for finding in findings:
        device = editing.flow.devices.get(finding.device_id or "")
        fix = (
            finding.code == "dangling_link"
            and finding.field
            and ID_PATTERN.fullmatch(finding.device_id or "")
        )
        rows.append((finding, device.title if device else "", bool(fix)))
    return {"findings": rows, "counts": counts}


def _history_context(state: DraftState) -> dict:
    return {
        "undo_label": state.undo[-1].label if state.undo else "",
        "redo_label": state.redo[-1].label if state.redo else "",
        "undo_count": len(state.undo),
        "redo_count": len(state.redo),
    }


def _ago(moment) -> str:
    age = timesince(moment)
    return "just now" if age.startswith("0\xa0") else f"{age} ago"


def _others(request: HttpRequest, account_id: str) -> list[str]:
    return [
        f"{other.user.upstream_username or other.user.get_username()} has unpublished changes to "
        f"this flow, started {_ago(other.started)}."
        for other in drafts.others(request.user, account_id)
    ]


def _palette(flow: Flow) -> list[tuple[str, str]]:
    """The documented types, then every other type the account already uses."""
    names = [t.name for t in TYPES.values() if t.documented]
    names += sorted({d.type for d in flow.devices.values() if d.type and d.type not in names})
    return [(name, type_label(name)) for name in names]


def _form_context(editing: Editing, device_id: str, **form_args) -> dict:
    device = editing.state.devices[device_id]
    form = inspector.build(device, editing.flow, editing.draft.context, **form_args)
    parsed = editing.flow.devices.get(device_id)
    return {
        "account": editing.account,
        "device_id": device_id,
        "device_title": parsed.title if parsed else device_id,
        "device_type": type_label(str(device.get("type") or "")),
        "form": form,
        "device_findings": [f for f in editing.findings if f.device_id == device_id],
    }


def _page(request: HttpRequest, editing: Editing, status: int = 200, **extra) -> HttpResponse:
    placed = editing.layout()
    title = f"Draft of the call flow of {editing.account.get('name') or editing.account_id}"
    svg = render_svg(editing.flow, placed, editing.findings, title=title)
    # ?select= is how other pages (a trunk refused removal, say) open the editor on a device
    selected = (
        extra.pop("selected", None)
        or request.GET.get("device", "")
        or request.GET.get("select", "")
    )
    context = {
        "account": editing.account,
        "tab": "flow",
        "svg": mark_safe(SVG_SLOT),
        "device_count": len(editing.flow.devices),
        "looks": looks(),
        "palette": _palette(editing.flow),
        "others": _others(request, editing.account_id),
        "draft_age": _ago(editing.draft.row.started),
        **_findings_context(editing),
        **_history_context(editing.state),
        **extra,
    }
    # a device whose id no URL can carry (design.md) is shown, not edited
    if (
        selected in editing.state.devices
        and ID_PATTERN.fullmatch(selected)
        and "form" not in context
    ):
        context.update(_form_context(editing, selected))
    _keep(editing)
    response = render(request, "flows/editor.html", context, status=status)
    before, slot, after = response.content.partition(SVG_SLOT.encode())
    if slot:
        # built by flows.model.svg, which escapes every upstream value
        response.content = b"".join((before, svg.encode(), after))
    return response


def _conflict(request: HttpRequest, message: str) -> HttpResponse:
    return error_response(request, 409, "Reload this page", message, retry=False)


def _drafted(view: Callable) -> Callable:
    """Answers a vanished draft or a lost race with another tab (409) and an unknown device
    (404), for every editing view."""

    def wrapped(request: HttpRequest, account_id: str, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, account_id, *args, **kwargs)
        except NoDraft:
            return _conflict(
                request,
                "This draft was discarded or published in another tab or window. Reload the "
                "page to start from the flow as it is now.",
            )
        except DraftChanged:
            return _conflict(
                request,
                "This draft was changed in another tab or window. Reload the page to see it "
                "as it is now, then make this change again.",
            )
        except NoSuchDevice:
            raise Http404("This draft has no such device.") from None

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _device_or_404(editing: Editing, device_id: str) -> dict:
    device = editing.state.devices.get(device_id)
    if device is None:
        raise Http404("This draft has no such device.")
    return device


def _answer(
    request: HttpRequest,
    editing: Editing,
    change: Change | None,
    before: list[Finding],
    select: str | None = None,
) -> HttpResponse:
    """After a change: a redirect back to the editor, or for HTMX only what changed."""
    _keep(editing)
    if not request.htmx:
        return redirect(_edit_url(editing.account_id, select))
    touched = _touched(editing, change, before)
    placed = editing.layout()
    # built by flows.model.svg, which escapes every upstream value
    fragments = render_fragments(editing.flow, placed, editing.findings, touched)
    gone = [device_id for device_id in touched if device_id not in editing.flow.devices]
    context = {
        "account": editing.account,
        "fragments": mark_safe(fragments),
        "findings_changed": before != editing.findings,
        "status": change.label if change else "Nothing to change.",
        **_findings_context(editing),
        **_history_context(editing.state),
    }
    response = render(request, "flows/_edit_answer.html", context)
    response["HX-Reswap"] = "none"
    response["HX-Trigger-After-Settle"] = json.dumps(
        {
            "flow:changed": {
                "ids": touched,
                "gone": [
                    f"{prefix}{dom_id(device_id)}"
                    for device_id in gone
                    for prefix in ("dev-", "links-")
                ],
                "select": select or "",
            }
        }
    )
    return response


def _touched(editing: Editing, change: Change | None, before: list[Finding]) -> list[str]:
    """The devices whose card may look different: those the change names, and those whose
    findings changed (a deleted device's findings move to the cards that link to it)."""
    if change is None:
        return []
    ids = dict.fromkeys([*change.devices, *change.positions])
    old = {(f.device_id, f.severity, f.message) for f in before if f.device_id}
    new = {(f.device_id, f.severity, f.message) for f in editing.findings if f.device_id}
    for device_id, _, _ in old ^ new:
        ids.setdefault(device_id)
    return list(ids)


def _commit(editing: Editing, change: Change) -> Change | None:
    committed = editing.state.commit(change)
    if committed is not None:
        editing.save(committed)
        editing.refresh(committed)
    return committed


def _change(
    request: HttpRequest,
    account_id: str,
    operation: Callable[[DraftState], Change],
    select: str | None = None,
) -> HttpResponse:
    editing = _load(request, account_id)
    before = editing.findings
    try:
        change = operation(editing.state)
    except EditRefused as refused:
        message = " ".join(refused.errors.values())
        if request.htmx:
            _keep(editing)
            return error_response(request, 400, "Not changed", message)
        messages.error(request, message)
        return _page(request, editing, status=400)
    committed = _commit(editing, change)
    if select == "":
        select = next(iter(change.devices), None)
    return _answer(request, editing, committed, before, select)


# the editor page


@require_GET
def editor(request: HttpRequest, account_id: str) -> HttpResponse:
    """Starts or resumes the signed-in admin's draft; others see the read-only canvas."""
    if not request.is_admin:
        return redirect("flows:canvas", account_id)
    draft = drafts.open_draft(request.user, account_id, request.callable)
    return _page(request, _editing(draft, account_id))


# the editing URLs of design.md


@admin_required
@require_POST
@_drafted
def device_new(request: HttpRequest, account_id: str) -> HttpResponse:
    post = request.POST
    return _change(
        request,
        account_id,
        lambda state: edit.add_device(
            state, post.get("type", ""), post.get("name", ""), post.get("x"), post.get("y")
        ),
        select="",
    )


@admin_required
@require_http_methods(["GET", "POST"])
@_drafted
def device(request: HttpRequest, account_id: str, device_id: str) -> HttpResponse:
    """GET: the device's form; POST: save its fields, or the whole device as `raw` JSON."""
    editing = _load(request, account_id)
    _device_or_404(editing, device_id)
    if request.method == "GET":
        if not request.htmx:
            return _page(request, editing, selected=device_id)
        response = render(request, "flows/_device_form.html", _form_context(editing, device_id))
        _keep(editing)
        patch_vary_headers(response, ("HX-Request",))
        return response
    before = editing.findings
    raw = request.POST.get("raw")
    try:
        if raw is not None:
            change = edit.replace(editing.state, device_id, raw)
        else:
            values = inspector.form_values(dict(request.POST.lists()))
            change = edit.set_fields(editing.state, device_id, values)
    except EditRefused as refused:
        posted = None if raw is not None else dict(request.POST.lists())
        form_args = {"posted": posted, "errors": refused.errors, "raw": raw}
        if request.htmx:
            context = _form_context(editing, device_id, **form_args)
            response = render(request, "flows/_device_form.html", context, status=400)
            _keep(editing)
            response["HX-Retarget"] = "#inspector"
            response["HX-Reswap"] = "innerHTML"
            return response
        return _page(
            request,
            editing,
            status=400,
            selected=device_id,
            **_form_context(editing, device_id, **form_args),
        )
    committed = _commit(editing, change)
    return _answer(request, editing, committed, before, device_id)


@admin_required
@require_POST
@_drafted
def device_delete(request: HttpRequest, account_id: str, device_id: str) -> HttpResponse:
    return _change(request, account_id, lambda state: edit.delete(state, device_id))


@admin_required
@require_POST
@_drafted
def device_duplicate(request: HttpRequest, account_id: str, device_id: str) -> HttpResponse:
    return _change(request, account_id, lambda state: edit.duplicate(state, device_id), select="")


@admin_required
@require_POST
@_drafted
def device_move(request: HttpRequest, account_id: str, device_id: str) -> HttpResponse:
    x, y = request.POST.get("x"), request.POST.get("y")
    return _change(request, account_id, lambda state: edit.move(state, device_id, x, y))


@admin_required
@require_POST
@_drafted
def device_hangup(request: HttpRequest, account_id: str, device_id: str) -> HttpResponse:
    """The one-click fix of a link to a device that is gone: send it to HANGUP."""
    port = request.POST.get("port", "")
    return _change(request, account_id, lambda state: edit.send_to_hangup(state, device_id, port))


@admin_required
@require_POST
@_drafted
def connect(request: HttpRequest, account_id: str) -> HttpResponse:
    post = request.POST
    source, port, to = post.get("from", ""), post.get("port", ""), post.get("to", "")
    return _change(request, account_id, lambda state: edit.connect(state, source, port, to))


@admin_required
@require_POST
@_drafted
def arrange(request: HttpRequest, account_id: str) -> HttpResponse:
    editing = _load(request, account_id)
    fresh = layout(editing.flow).positions
    _commit(editing, edit.arrange(editing.state, fresh))
    _keep(editing)
    return _reload(request, account_id)


def _reload(request: HttpRequest, account_id: str) -> HttpResponse:
    """Every card may have moved: the whole editor again."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect(_edit_url(account_id))


@admin_required
@require_POST
@_drafted
def undo(request: HttpRequest, account_id: str) -> HttpResponse:
    return _history(request, account_id, forward=False)


@admin_required
@require_POST
@_drafted
def redo(request: HttpRequest, account_id: str) -> HttpResponse:
    return _history(request, account_id, forward=True)


def _history(request: HttpRequest, account_id: str, forward: bool) -> HttpResponse:
    editing = _load(request, account_id)
    before = editing.findings
    state = editing.state
    change = state.step_forward() if forward else state.step_back()
    if change is not None:
        editing.save(change, DraftStep.REDO if forward else DraftStep.UNDO)
        editing.refresh(change)
        if len(change.positions) > 50:
            _keep(editing)
            # an arrangement undone or redone moves every card
            return _reload(request, account_id)
    return _answer(request, editing, change, before)


@admin_required
@require_POST
def discard(request: HttpRequest, account_id: str) -> HttpResponse:
    drafts.discard(request.user, account_id)
    messages.success(request, "Draft discarded: the flow is as it was.")
    target = reverse("flows:canvas", args=[account_id])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@admin_required
@require_POST
def route_number(request: HttpRequest, account_id: str) -> HttpResponse:
    """From the Numbers page: add a number to a start of the admin's choice (or a new start)
    in the draft, and open the draft there."""
    ddi_id = request.POST.get("ddi", "")
    start_id = request.POST.get("start", "")
    draft = drafts.open_draft(request.user, account_id, request.callable)
    state = draft.state
    numbers = {d.get("id"): d.get("name") for d in draft.context.get("ddis") or ()}
    if ddi_id not in numbers:
        raise Http404("This account has no such number.")
    try:
        if start_id == "new":
            added = state.commit(edit.add_device(state, ROUTE_START, f"Start {numbers[ddi_id]}"))
            start_id = next(iter(added.devices)) if added else ""
        start = state.devices.get(start_id)
        if start is None or start.get("type") != ROUTE_START:
            raise Http404("This draft has no such start.")
        held = (start.get("startRoute") or {}).get("ddis") or []
        if ddi_id not in held:
            state.commit(edit.set_fields(state, start_id, {"startRoute.ddis": [*held, ddi_id]}))
        drafts.save(draft)
    except EditRefused as refused:
        # a start without the documented settings: say so, in the draft, at that start
        messages.error(request, " ".join(refused.errors.values()))
        return redirect(_edit_url(account_id, start_id))
    except DraftChanged:
        return _conflict(request, "This draft was changed in another tab. Go back and try again.")
    messages.success(
        request,
        f"{numbers[ddi_id]} now rings into “{start.get('name') or start_id}” in your draft.",
    )
    return redirect(_edit_url(account_id, start_id))

"""Publishing a draft: review what it will do, publish it (conflicts, half-way failures), settle
conflicts, import and export a draft, and the revisions each publish leaves. Admins only, every URL,
before any upstream call."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from callable_admin.api.client import gather
from callable_admin.audit.models import AuditEntry
from callable_admin.masking import masked
from callable_admin.signin.roles import admin_required
from flows import drafts
from flows.drafts import DraftChanged, OpenDraft
from flows.model.draft import Change, device_hash
from flows.model.findings import validate
from flows.model.graph import parse
from flows.model.layout import layout
from flows.model.publish import (
    HANGUP,
    Plan,
    by_id,
    device_changes,
    new_draft_from,
    plan,
)
from flows.model.svg import render as render_svg
from flows.models import DevicePosition, Revision
from flows.publishing import PublishBusy, publish, settle_conflicts

# an export.json bigger than this is not a flow anyone made by hand or with this dashboard
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _edit_url(account_id: str, select: str = "") -> str:
    url = reverse("flows:canvas", args=[account_id]) + "edit/"
    return f"{url}?select={select}" if select else url


def _draft_or_none(request: HttpRequest, account_id: str) -> OpenDraft | None:
    return drafts.load(request.user, account_id)


# Words for values: names of devices, numbers, trunks and hooks instead of ids


def _names(draft_context: dict, *device_lists) -> dict[str, str]:
    names: dict[str, str] = {}
    for ddi in draft_context.get("ddis") or []:
        if isinstance(ddi, dict) and isinstance(ddi.get("id"), str):
            names[ddi["id"]] = f"number {ddi.get('name') or ddi['id']}"
    for trunk in draft_context.get("trunks") or []:
        if isinstance(trunk, dict) and isinstance(trunk.get("id"), str):
            label = trunk.get("description") or f"{trunk.get('ip')}:{trunk.get('port')}"
            names[trunk["id"]] = f"trunk {label}"
    for hook in draft_context.get("hooks") or []:
        if isinstance(hook, dict) and isinstance(hook.get("id"), str):
            names[hook["id"]] = f"hook {hook.get('app') or hook['id']}"
    for devices in device_lists:
        for device in devices:
            if isinstance(device, dict) and isinstance(device.get("id"), str):
                names[device["id"]] = f"“{device.get('name') or device.get('type')}”"
    return names


def shown(key: tuple, value: object, names: dict[str, str]) -> str:
    """A field's value as a person reads it: credentials masked, ids as names."""
    return words(masked(key[-1] if key else "", value), names)


def words(value: object, names: dict[str, str]) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(names.get(v, v) for v in value) if value else "none"
    return json.dumps(value, ensure_ascii=False)


def _review_context(account_id: str, draft: OpenDraft, the_plan: Plan) -> dict:
    state = draft.state
    names = _names(draft.context, state.base, state.devices.values())
    changes = [
        {
            "change": change,
            "name": names.get(change.device_id, change.device_id),
            "fields": [
                (f.name, shown(f.path, f.before, names), shown(f.path, f.after, names))
                for f in change.fields
            ],
        }
        for change in the_plan.changes
    ]
    base_path = f"/api/v1/account/{account_id}/device"
    calls = []
    upstream_ids = set(by_id(state.base))
    for call in the_plan.calls:
        is_new = call.device_id not in upstream_ids
        path = (
            base_path
            if call.method == "POST"
            else (
                f"{base_path}/{{id of {names.get(call.device_id, call.device_id)}}}"
                if is_new
                else f"{base_path}/{call.device_id}"
            )
        )
        calls.append(
            {
                "call": call,
                "path": path,
                "name": names.get(call.device_id, call.device_id),
                "held": call.held,
                "what": "create" if call.method == "POST" else call.step,
            }
        )
    findings = draft.findings()
    flow_names = {d: names.get(d, d) for d in state.devices}
    return {
        "account": draft.context.get("account") or {"id": account_id},
        "tab": "flow",
        "draft": draft,
        "plan": the_plan,
        "changes": changes,
        "calls": calls,
        "counts": {
            action: sum(1 for c in the_plan.changes if c.action == action)
            for action in ("create", "update", "delete")
        },
        "errors": [
            (f, flow_names.get(f.device_id or "", "")) for f in findings if f.severity == "error"
        ],
        "warnings": [
            (f, flow_names.get(f.device_id or "", "")) for f in findings if f.severity == "warning"
        ],
        "edit_url": _edit_url(account_id),
        "hangup": HANGUP,
        "others": drafts.others(draft.row.user, account_id),
    }


def _review_page(
    request, account_id, draft, *, status=200, problem="", outcome=None
) -> HttpResponse:
    the_plan = plan(draft.state.base, draft.state.devices)
    context = _review_context(account_id, draft, the_plan)
    context.update(problem=problem, outcome=outcome)
    return render(request, "flows/review.html", context, status=status)


def _no_draft(request: HttpRequest, account_id: str) -> HttpResponse:
    messages.info(request, "You have no draft of this flow: open the editor to start one.")
    return redirect("flows:revisions", account_id)


@require_GET
@admin_required
def review(request: HttpRequest, account_id: str) -> HttpResponse:
    draft = _draft_or_none(request, account_id)
    if draft is None:
        return _no_draft(request, account_id)
    return _review_page(request, account_id, draft)


@require_POST
@admin_required
def publish_view(request: HttpRequest, account_id: str) -> HttpResponse:
    draft = _draft_or_none(request, account_id)
    if draft is None:
        return _no_draft(request, account_id)
    findings = draft.findings()
    if any(f.severity == "error" for f in findings):
        return _review_page(
            request,
            account_id,
            draft,
            status=400,
            problem="The draft has errors: fix them in the editor, then publish.",
        )
    if any(f.severity == "warning" for f in findings) and not request.POST.get("confirm"):
        return _review_page(
            request,
            account_id,
            draft,
            status=400,
            problem="Tick “publish despite the warnings” to publish with them.",
        )
    try:
        outcome = publish(request, draft, source=draft.context.get("source") or "draft")
    except PublishBusy as exc:
        return _review_page(
            request,
            account_id,
            draft,
            status=409,
            problem=f"{exc}. Try again when it has finished.",
        )
    except DraftChanged:
        messages.warning(request, "The draft was changed in another tab: review it again.")
        return redirect("flows:review", account_id)
    if outcome.conflicts:
        return _conflict_page(request, account_id, draft, outcome.conflicts)
    if outcome.revision is None:
        messages.info(request, "The draft changes nothing the upstream does not already have.")
        drafts.discard(request.user, account_id)
        return redirect("flows:canvas", account_id)
    if outcome.failure is not None:
        return render(
            request,
            "flows/publish_failed.html",
            {
                "account": draft.context.get("account") or {"id": account_id},
                "tab": "flow",
                "revision": outcome.revision,
                "failure": outcome.failure,
                "applied": [
                    s for s in outcome.revision.steps if s["status"] in ("applied", "kept")
                ],
                "failed": [s for s in outcome.revision.steps if s["status"] == "failed"],
                "not_applied": [s for s in outcome.revision.steps if s["status"] == "not applied"],
                "edit_url": _edit_url(account_id),
            },
            status=outcome.failure.status if outcome.failure.status >= 400 else 502,
        )
    kept = [s for s in outcome.revision.steps if s["status"] == "kept"]
    if kept:
        messages.warning(
            request,
            "Published, but the Callable API does not remove devices: "
            + ", ".join(f"“{s['name']}”" for s in kept)
            + " kept.",
        )
    else:
        messages.success(request, "Published: the call flow is now as your draft said.")
    return redirect("flows:revision", account_id, outcome.revision.pk)


@require_GET
@admin_required
def progress(request: HttpRequest, account_id: str) -> HttpResponse:
    """The publish running on this account, call by call (polled by the page waiting for it)."""
    revision = Revision.objects.filter(account_id=account_id, status=Revision.RUNNING).first()
    done = sum(1 for step in revision.steps if step["status"] != "pending") if revision else 0
    return render(request, "flows/_publish_progress.html", {"revision": revision, "done": done})


def _conflict_page(request, account_id, draft: OpenDraft, conflicts, status=409) -> HttpResponse:
    names = _names(draft.context, draft.state.base, draft.state.devices.values())
    items = []
    for conflict in conflicts:
        triple = conflict.triple
        items.append(
            {
                "conflict": conflict,
                "name": triple.name,
                "theirs_hash": device_hash(triple.theirs) if triple.theirs is not None else "gone",
                "rows": [
                    (
                        index,
                        row,
                        shown(row.key, row.base, names),
                        shown(row.key, row.theirs, names),
                        shown(row.key, row.mine, names),
                    )
                    for index, row in enumerate(conflict.rows)
                ],
            }
        )
    return render(
        request,
        "flows/publish_conflict.html",
        {
            "account": draft.context.get("account") or {"id": account_id},
            "tab": "flow",
            "conflicts": items,
            "edit_url": _edit_url(account_id),
        },
        status=status,
    )


@require_POST
@admin_required
def resolve(request: HttpRequest, account_id: str) -> HttpResponse:
    """The person's choices for each conflict, taken into the draft; nothing is written upstream."""
    draft = _draft_or_none(request, account_id)
    if draft is None:
        return _no_draft(request, account_id)
    upstream = request.callable.flow_devices(account_id)
    current = by_id(upstream)
    answers: dict[str, dict[str, str]] = {}
    for key, value in request.POST.items():
        if key.startswith("theirs-"):
            device_id = key.removeprefix("theirs-")
            now = current.get(device_id)
            # answered only if the upstream device is still what the person saw
            if value == (device_hash(now) if now is not None else "gone"):
                answers[device_id] = {}
    for key, value in request.POST.items():
        if key.startswith("pick-") and value in ("theirs", "mine"):
            device_id, _, row = key.removeprefix("pick-").rpartition("-")
            if device_id in answers:
                answers[device_id][row] = value
    try:
        left = settle_conflicts(draft, answers, upstream)
    except DraftChanged:
        messages.warning(request, "The draft was changed in another tab: review it again.")
        return redirect("flows:review", account_id)
    if left:
        return _conflict_page(request, account_id, draft, left)
    messages.success(request, "Your choices are in the draft. Review it, then publish.")
    return redirect("flows:review", account_id)


# Import and export of a draft


def _restore_into_draft(request, account_id: str, devices: list, layout_hint: dict, label: str):
    """Load a whole device list into the user's draft as one undoable change, over the upstream:
    ids the upstream has are updates, others new devices; devices not in the list are removed."""
    draft = drafts.open_draft(request.user, account_id, request.callable)
    state = draft.state
    wanted = new_draft_from(devices, state.base)
    change = Change(label)
    for device_id, before in state.devices.items():
        if device_id not in wanted:
            change.devices[device_id] = (state.index_of(device_id), before, None)
            change.positions[device_id] = (state.positions.get(device_id), None)
    # the file's ids, in the same order as the draft ids they became: positions follow them
    file_ids = [entry["id"] for entry in devices if isinstance(entry, dict) and entry.get("id")]
    for index, (device_id, device) in enumerate(wanted.items()):
        change.devices[device_id] = (index, state.devices.get(device_id), device)
        hint = layout_hint.get(file_ids[index]) if index < len(file_ids) else None
        if device_id not in state.positions:
            placed = hint or (40 + 240 * (index % 6), 40 + 160 * (index // 6))
            change.positions[device_id] = (None, (int(placed[0]), int(placed[1])))
    state.commit(change)
    # the revision this publish will leave says where its devices came from
    draft.row.context = {**draft.row.context, "source": label}
    drafts.save(draft)
    return draft


@require_POST
@admin_required
def import_view(request: HttpRequest, account_id: str) -> HttpResponse:
    upload = request.FILES.get("file")
    problem = ""
    document = None
    if upload is None:
        problem = "Choose an export.json file to import."
    elif upload.size > MAX_IMPORT_BYTES:
        problem = "That file is too big to be a flow export."
    else:
        try:
            document = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            problem = "That file is not JSON: choose a flow's export.json."
    if document is not None and not (
        isinstance(document, dict) and isinstance(document.get("devices"), list)
    ):
        problem = "That JSON is not a flow export: it has no list of devices."
    if problem:
        draft = _draft_or_none(request, account_id)
        if draft is None:
            messages.error(request, problem)
            return redirect("flows:revisions", account_id)
        return _review_page(request, account_id, draft, status=400, problem=problem)
    hints = {}
    for device_id, point in (document.get("layout") or {}).items():
        if isinstance(point, dict) and all(isinstance(point.get(k), int | float) for k in "xy"):
            hints[device_id] = (point["x"], point["y"])
    try:
        _restore_into_draft(
            request, account_id, document["devices"], hints, f"Import {upload.name[:80]}"
        )
    except DraftChanged:
        messages.warning(request, "The draft was changed in another tab: import again.")
        return redirect("flows:review", account_id)
    if document.get("account") not in (None, account_id):
        messages.warning(
            request,
            "That export is of another account: none of its devices is in this flow, so all are "
            "created here and this flow's own devices removed. Review it carefully.",
        )
    messages.success(
        request,
        "The export is loaded into your draft (undo in the editor takes it "
        "back). Review it, then publish.",
    )
    return redirect("flows:review", account_id)


@require_GET
@admin_required
def export_draft(request: HttpRequest, account_id: str) -> HttpResponse:
    draft = _draft_or_none(request, account_id)
    if draft is None:
        raise Http404("You have no draft of this flow.")
    body = {
        "account": account_id,
        "devices": draft.state.device_list(),
        "layout": {key: {"x": x, "y": y} for key, (x, y) in draft.state.positions.items()},
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="flow-{account_id}-draft.json"'
    return response


# Revisions


@require_GET
def revisions(request: HttpRequest, account_id: str) -> HttpResponse:
    account = request.callable.account(account_id)
    rows = list(Revision.objects.filter(account_id=account_id)[:100])
    for revision in rows:
        changes = device_changes(revision.before, by_id(revision.after or revision.before))
        revision.counts = {
            a: sum(1 for c in changes if c.action == a) for a in ("create", "update", "delete")
        }
    return render(
        request,
        "flows/revisions.html",
        {
            "account": account,
            "tab": "flow",
            "revisions": rows,
            "draft": _draft_or_none(request, account_id) if request.is_admin else None,
            "edit_url": _edit_url(account_id),
        },
    )


def _revision(account_id: str, number: int) -> Revision:
    revision = Revision.objects.filter(account_id=account_id, pk=number).first()
    if revision is None:
        raise Http404("This flow has no such revision.")
    return revision


@require_GET
def revision_view(request: HttpRequest, account_id: str, number: int) -> HttpResponse:
    revision = _revision(account_id, number)
    api = request.callable
    if request.htmx:
        return render(
            request,
            "flows/revision.html#progress",
            {"revision": revision, "account": {"id": account_id}},
        )
    account, now, ddis, trunks, hooks = gather(
        lambda: api.account(account_id),
        lambda: api.flow_devices(account_id),
        lambda: api.ddis(account_id),
        lambda: api.trunks(account_id),
        lambda: api.hooks(account_id),
    )
    show = "before" if request.GET.get("show") == "before" else "after"
    devices = revision.before if show == "before" or revision.after is None else revision.after
    flow = parse(devices, ddis, trunks)
    placed = layout(flow, DevicePosition.pinned(account_id))
    svg = render_svg(flow, placed, validate(flow), title=f"Revision {revision.pk}, {show}")
    names = _names(
        {"ddis": ddis, "trunks": trunks, "hooks": hooks}, revision.before, revision.after or [], now
    )

    def rows(changes):
        return [
            {
                "change": c,
                "name": names.get(c.device_id, c.device_id),
                "fields": [
                    (f.name, shown(f.path, f.before, names), shown(f.path, f.after, names))
                    for f in c.fields
                ],
            }
            for c in changes
        ]

    published = device_changes(revision.before, by_id(revision.after or revision.before))
    since = device_changes(now, by_id(revision.after or revision.before))
    audit = (
        AuditEntry.objects.filter(
            account_id=account_id, request_id=revision.request_id, object_kind="device"
        )
        if revision.request_id
        else []
    )
    return render(
        request,
        "flows/revision.html",
        {
            "account": account,
            "tab": "flow",
            "revision": revision,
            "show": show,
            "svg": mark_safe(svg),  # built by flows.model.svg, which escapes every upstream value
            "published": rows(published),
            "since": rows(since),
            "audit": audit,
            "edit_url": _edit_url(account_id),
        },
    )


@require_POST
@admin_required
def restore(request: HttpRequest, account_id: str, number: int) -> HttpResponse:
    revision = _revision(account_id, number)
    devices = revision.after if revision.after is not None else revision.before
    which = request.POST.get("which")
    if which == "before":
        devices = revision.before
    try:
        _restore_into_draft(
            request,
            account_id,
            devices,
            {},
            f"Restore revision {revision.pk} ({'before' if which == 'before' else 'after'})",
        )
    except DraftChanged:
        messages.warning(request, "The draft was changed in another tab: restore again.")
        return redirect("flows:revision", account_id, number)
    messages.success(
        request,
        f"Revision {revision.pk} is loaded into your draft. Review it, then "
        "publish to bring the flow back.",
    )
    return redirect("flows:review", account_id)

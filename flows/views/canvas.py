"""The canvas and its panels, read only: what anyone signed in may see of an account's flow."""

import gzip
import json
import logging
import marshal
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from callable_admin.api import flowreads
from callable_admin.api.client import gather
from callable_admin.htmx import page_or_part
from callable_admin.masking import masked_document
from flows import drawings
from flows.model.devicetypes import looks, stylesheet
from flows.model.findings import Checked, Finding, check, revalidate
from flows.model.graph import SIP_GATEWAY, Flow, parse, port_label, reparse, type_label
from flows.model.layout import Layout, layout
from flows.model.outline import outline
from flows.model.outline_html import outline_html
from flows.model.svg import render as render_svg
from flows.model.svg import render_part, split_at_opening
from flows.model.trace import GATEWAY_OUTCOMES, Trace, trace
from flows.models import DevicePosition

log = logging.getLogger(__name__)

END_WORDS = {
    "terminal": "The call ends",
    "loop": "The call goes round a loop",
    "dangling": "The call is sent to a device that does not exist",
    "no_route": "No start lists this number: the call is not routed",
    "dead_end": "The call reaches a device with no way on",
}


@dataclass
class AccountFlow:
    account: dict
    devices: list[dict]
    flow: Flow
    findings: list[Finding]


@dataclass
class _Reading:
    """A flow this process parsed: from which reads (their stamp, their content's digest when
    known), the flow, its findings' workings, and its layout once one was made."""

    stamp: float | None
    content: str | None
    reads: tuple
    flow: Flow
    checked: Checked
    # this flow's layout and the pins it was made with; or an earlier flow's, to lend its bands
    placed: Layout | None = None
    pins: dict | None = None
    earlier: Layout | None = None


# The flows this process parsed last, by (account, user): a click on the canvas neither reads,
# fetches nor parses the device list again, and a visit after a change reads again only the
# devices that changed (`graph.reparse`, `findings.revalidate`, the layout's unchanged bands).
_parsed: OrderedDict[tuple[str, object], _Reading] = OrderedDict()
_parsed_lock = threading.Lock()
PARSED_KEPT = 4
# and the last reading of each account by anyone: the base another user's visit reads from
# again (only devices equal to the new reads' are taken from it, so it shows nobody anything
# their own reads do not hold)
_last_of_account: OrderedDict[str, _Reading] = OrderedDict()


def _read(
    request: HttpRequest,
    account_id: str,
    with_account: bool,
    fresh: bool,
    later: list | None = None,
) -> tuple[dict, tuple[list, list, list], float | None]:
    """The account (or just its id) and the flow reads with the stamp they are kept under: read
    upstream and kept, when `fresh` or nothing is kept; else as kept. With `later`, keeping
    them is added to it, for after the page is sent."""
    api = request.callable
    key = (account_id, request.user.pk)
    entry = None if fresh else flowreads.kept(*key)
    if entry is None:
        calls = [
            lambda: api.flow_devices(account_id),
            lambda: api.ddis(account_id),
            lambda: api.trunks(account_id),
        ]
        if with_account:
            calls.insert(0, lambda: api.account(account_id))
        results = gather(*calls)
        account = results.pop(0) if with_account else {"id": account_id}
        reads = (results[0], results[1], results[2])
        if later is None:
            return account, reads, flowreads.remember(*key, reads)
        stamp = flowreads.new_stamp()
        later.append(lambda: flowreads.remember(*key, reads, stamp=stamp))
        return account, reads, stamp
    account = api.account(account_id) if with_account else {"id": account_id}
    stamp, reads = entry
    return account, reads, stamp


def _parsed_from(
    key: tuple[str, object], stamp: float | None, reads: tuple, content: str | None = None
) -> _Reading:
    """The flow of these reads, parsed and validated: as this process last did it for the same
    stamp or content, or from its last reading of the account, reading again only the devices
    that differ from it, or from nothing."""
    with _parsed_lock:
        last = _parsed.get(key)
        if last is not None and (
            (stamp is not None and last.stamp == stamp) or (content and last.content == content)
        ):
            last.stamp = stamp if stamp is not None else last.stamp
            return last
    devices, ddis, trunks = reads
    if last is None:
        with _parsed_lock:
            last = _last_of_account.get(key[0])
    shared = _unchanged_kept(last, reads) if last is not None else None
    if shared is not None:
        devices, gone = shared
        flow = reparse(last.flow, devices, gone)
        checked = revalidate(last.checked, last.flow, flow)
    else:
        flow = parse(devices, ddis, trunks)
        checked = check(flow)
    reading = _Reading(stamp, content, (devices, ddis, trunks), flow, checked)
    if last is not None and shared is not None and _same_shape(last.flow, flow):
        # renamed or re-set devices, the same links: the same layout (as the editor keeps it)
        reading.placed, reading.pins = last.placed, last.pins
        reading.earlier = last.earlier
    elif last is not None:
        reading.earlier = last.placed or last.earlier
    if stamp is not None or content:
        with _parsed_lock:
            _parsed[key] = reading
            _parsed.move_to_end(key)
            while len(_parsed) > PARSED_KEPT:
                _parsed.popitem(last=False)
            _last_of_account[key[0]] = reading
            _last_of_account.move_to_end(key[0])
            while len(_last_of_account) > PARSED_KEPT:
                _last_of_account.popitem(last=False)
    return reading


def _same_content(key: tuple[str, object], stamp: float | None, content: str) -> None:
    """Reads of a new stamp whose content this process already parsed: the parse stands."""
    with _parsed_lock:
        last = _parsed.get(key)
        if last is not None and last.content == content and stamp is not None:
            last.stamp = stamp


def _unchanged_kept(last: _Reading, reads: tuple) -> tuple[list, set[str]] | None:
    """The device list with each device equal to one of the last reading replaced by that very
    object (`reparse` keeps what it read of a device whose raw object is the one it had), and
    the ids of the devices gone since; None when the reads differ in anything `reparse` does not
    follow (numbers, trunks, entries that are not devices), which are then parsed whole."""
    devices, ddis, trunks = reads
    if last.flow.skipped or last.reads[1] != ddis or last.reads[2] != trunks:
        return None
    known = last.flow.devices
    kept, seen = [], set()
    for raw in devices:
        device_id = raw.get("id") if isinstance(raw, dict) else None
        # only a plain string id is looked up (an upstream may send anything as an id)
        if not isinstance(device_id, str) or not device_id or device_id in seen:
            return None
        seen.add(device_id)
        old = known.get(device_id)
        kept.append(old.raw if old is not None and _same(old.raw, raw) else raw)
    return kept, set(known) - seen


def _same_shape(before: Flow, after: Flow) -> bool:
    """The same devices in the same order, of the same types, with the same links: what the
    layout is made of (names and settings are not)."""
    if list(before.devices) != list(after.devices):
        return False
    return all(
        device.type == before.devices[device_id].type
        and after.outgoing(device_id) == before.outgoing(device_id)
        for device_id, device in after.devices.items()
    )


def _same(kept: object, read: object) -> bool:
    """Equal as JSON: `==` alone takes 1 for true and for 1.0, marshal's first version does not
    (and shares nothing between values, so equal values give equal bytes)."""
    try:
        return kept == read and marshal.dumps(kept, 2) == marshal.dumps(read, 2)
    except ValueError:
        return False


def _laid_out(reading: _Reading, positions: dict) -> Layout:
    """The reading's layout, reusing the bands of the one before where they did not change."""
    placed, pins = reading.placed, reading.pins
    if placed is not None and pins == positions:
        return placed
    placed = layout(reading.flow, positions, previous=placed or reading.earlier)
    reading.placed, reading.pins, reading.earlier = placed, positions, None
    return placed


def _load(
    request: HttpRequest, account_id: str, with_account: bool = True, fresh: bool = False
) -> AccountFlow:
    """The account's flow. Pages read it `fresh` (and keep it); the panels that follow clicks on
    the canvas (inspector, outline, trace) take what was kept, if nothing was written since."""
    key = (account_id, request.user.pk)
    if not fresh and (stamp := flowreads.kept_stamp(*key)) is not None:
        with _parsed_lock:
            last = _parsed.get(key)
        if last is not None and last.stamp == stamp:
            api = request.callable
            account = api.account(account_id) if with_account else {"id": account_id}
            return AccountFlow(account, last.reads[0], last.flow, last.checked.findings)
    account, reads, stamp = _read(request, account_id, with_account, fresh)
    reading = _parsed_from(key, stamp, reads)
    return AccountFlow(account, reading.reads[0], reading.flow, reading.checked.findings)


def _layout(account_id: str, flow: Flow) -> Layout:
    return layout(flow, DevicePosition.pinned(account_id))


def _title(account: dict) -> str:
    return f"Call flow of {account.get('name') or account.get('id')}"


def _device_name(flow: Flow, device_id: str | None) -> str:
    device = flow.devices.get(device_id or "")
    return device.title if device else (device_id or "")


def _trace_choices(request: HttpRequest) -> tuple[str, str, dict[str, str]]:
    ddi_id = request.GET.get("ddi", "")[:64]
    outcome = request.GET.get("outcome", "answered")
    outcome = outcome if outcome in GATEWAY_OUTCOMES else "answered"
    picks = {
        key[3:]: value[:200]
        for key, value in request.GET.items()
        if key.startswith("at_") and value
    }
    return ddi_id, outcome, picks


def _trace_context(flow: Flow, ddi_id: str, outcome: str, picks: dict[str, str]) -> dict:
    if not ddi_id:
        return {}
    ports = {device_id: GATEWAY_OUTCOMES.get(pick, pick) for device_id, pick in picks.items()}
    result: Trace = trace(flow, ddi_id, ports, GATEWAY_OUTCOMES[outcome])
    steps = []
    for device_id, port in result.steps:
        device = flow.devices[device_id]
        links = flow.outgoing(device_id)
        step = {
            "device": device,
            "type": type_label(device.type),
            "port": port,
            "port_label": port_label(port) if port else "",
            "choices": [],
        }
        if device.type == SIP_GATEWAY:
            # An empty first choice follows the form's outcome: a select left at a concrete value
            # would be sent back with every later change and pin the gateway to it.
            chosen = picks.get(device_id) if picks.get(device_id) in GATEWAY_OUTCOMES else ""
            step["choices"] = [("", f"{outcome} (as above)", not chosen)] + [
                (label, label, label == chosen) for label in GATEWAY_OUTCOMES
            ]
        elif len(links) > 1:
            taken = next((link.path for link in result.links if link.source == device_id), None)
            step["choices"] = [
                (link.path, link.label or port_label(link.port), link.path == taken)
                for link in links
            ]
        steps.append(step)
    return {
        "trace": result,
        "trace_steps": steps,
        "trace_number": flow.ddis.get(ddi_id, ddi_id),
        "trace_end": END_WORDS[result.end],
        "trace_end_name": _device_name(flow, result.end_device)
        if result.end == "loop"
        else result.end_target,
        # JSON, not joined text: an upstream id may hold spaces or "|"
        "trace_devices": json.dumps([device_id for device_id, _ in result.steps]),
        "trace_links": json.dumps([[link.source, link.path] for link in result.links]),
        "two_starts": len(result.starts) > 1,
    }


# a device id in ?id= longer than this names no device (the check an id in a path gets)
MAX_DEVICE_ID = 200

# Where the canvas's SVG goes in the rendered page. At 1,000 devices the SVG is over a megabyte:
# spliced in once, as bytes, it is not copied through every level of the template (~15 ms).
SVG_SLOT = "<!--flow-svg-->"


def _page_drawing(
    request: HttpRequest,
    account_id: str,
    account: dict,
    reads: tuple,
    stamp: float | None,
    later: list,
) -> tuple[drawings.PageDrawing, Flow | None]:
    """The canvas page's drawing: kept, if the same reads, positions and code drew it before
    (then no parse, layout or SVG here), else drawn and kept. A big flow is drawn in parts."""
    key = (account_id, request.user.pk)
    positions = DevicePosition.pinned(account_id)
    title = _title(account)
    content = drawings.content_key(reads, positions, title)
    whole = request.GET.get("whole") == "1"  # without JavaScript the rest is never fetched
    tracing = bool(request.GET.get("ddi"))  # a traced call is lit along its whole path
    cacheable = not whole and not tracing
    if cacheable and (kept := drawings.kept_page(account_id, content)):
        _same_content(key, stamp, content)
        if kept.in_parts:
            later.append(lambda: drawings.shown(account_id, request.user.pk, content))
        return kept, None
    reading = _parsed_from(key, stamp, reads, content)
    flow, findings = reading.flow, reading.checked.findings
    placed = _laid_out(reading, positions)
    first, rest = split_at_opening(flow, placed)
    in_parts = bool(rest) and len(flow.devices) >= drawings.parts_from() and cacheable
    rest_url = reverse("flows:drawing_rest", args=[account_id, content]) if in_parts else None
    svg = render_svg(
        flow, placed, findings, title=title, only=first if in_parts else None, rest_url=rest_url
    )
    drawing = drawings.PageDrawing(
        svg=svg,
        findings=[(finding, _device_name(flow, finding.device_id)) for finding in findings],
        counts={
            severity: sum(1 for f in findings if f.severity == severity)
            for severity in ("error", "warning", "info")
        },
        ddis=[
            (ddi_id, number, bool(flow.ddi_routes.get(ddi_id)))
            for ddi_id, number in flow.ddis.items()
        ],
        device_count=len(flow.devices),
        in_parts=in_parts,
    )
    if cacheable:
        later.append(lambda: drawings.keep_page(account_id, content, drawing))
    if in_parts:
        later.append(lambda: drawings.shown(account_id, request.user.pk, content))
    return drawing, flow


@require_GET
def canvas(request: HttpRequest, account_id: str) -> HttpResponse:
    later: list = []
    account, reads, stamp = _read(request, account_id, with_account=True, fresh=True, later=later)
    drawing, flow = _page_drawing(request, account_id, account, reads, stamp, later)
    ddi_id, outcome, picks = _trace_choices(request)
    if ddi_id and flow is None:  # never: a trace is drawn, not kept
        flow = _parsed_from((account_id, request.user.pk), stamp, reads).flow
    context = {
        "account": account,
        "tab": "flow",
        "svg": mark_safe(SVG_SLOT),
        "findings": drawing.findings,
        "counts": drawing.counts,
        "device_count": drawing.device_count,
        "in_parts": drawing.in_parts,
        "looks": looks(),
        "ddis": drawing.ddis,
        "outcomes": list(GATEWAY_OUTCOMES),
        "ddi": ddi_id,
        "outcome": outcome,
        **(_trace_context(flow, ddi_id, outcome, picks) if flow is not None else {}),
    }
    response = render(request, "flows/canvas.html", context)
    before, slot, after = response.content.partition(SVG_SLOT.encode())
    if slot:
        # built by flows.svg, which escapes every upstream value
        response.content = b"".join((before, drawing.svg.encode(), after))
    _after_sending(response, later)
    return response


def _after_sending(response: HttpResponse, work: list) -> None:
    """Run `work` once the response is sent: what a visit keeps for the requests that follow it
    (the reads for the inspector, the drawing for the next visit) need not hold up the page. A
    request that comes first does without, and reads or draws for itself. Django closes a
    response once the server has sent it, running its `_resource_closers`, as FileResponse
    closes its file there (the test client closes it too)."""

    def run() -> None:
        for job in work:
            try:
                job()
            except Exception:  # the page is sent: keeping is a nicety, never an error page
                log.exception("Keeping the canvas's reads or drawing failed")

    response._resource_closers.append(run)


@require_GET
def drawing_rest(request: HttpRequest, account_id: str, content: str) -> HttpResponse:
    """The part of a big drawing the canvas page left out (`drawings`), for flow.js to add: kept
    when the page drew it; else drawn from the reads the page kept, if they are still the ones
    it drew from. A drawing that changed since is a 410: the page must be loaded again."""
    if not request.htmx:
        return redirect(reverse("flows:canvas", args=[account_id]) + "?whole=1")
    user_key = request.user.pk
    # a kept rest goes only to someone whose page was drawn from the same reads
    packed = (
        drawings.kept_rest(account_id, content)
        if drawings.was_shown(account_id, user_key, content)
        else None
    )
    if packed is None:
        account, reads, stamp = _read(request, account_id, with_account=True, fresh=False)
        positions = DevicePosition.pinned(account_id)
        if drawings.content_key(reads, positions, _title(account)) != content:
            return HttpResponse(
                "This flow has changed since the page was loaded: load it again.",
                status=410,
                content_type="text/plain; charset=utf-8",
            )
        reading = _parsed_from((account_id, user_key), stamp, reads, content)
        flow, findings = reading.flow, reading.checked.findings
        placed = _laid_out(reading, positions)
        _first, rest = split_at_opening(flow, placed)
        packed = drawings.keep_rest(account_id, content, render_part(flow, placed, findings, rest))
        drawings.shown(account_id, user_key, content)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(packed, content_type="image/svg+xml; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(
            gzip.decompress(packed), content_type="image/svg+xml; charset=utf-8"
        )
    patch_vary_headers(response, ("Accept-Encoding", "HX-Request"))
    return response


@require_GET
def trace_view(request: HttpRequest, account_id: str) -> HttpResponse:
    if not request.htmx:
        # Without JavaScript the canvas page itself shows the trace.
        return redirect(f"{request.path.rsplit('trace/', 1)[0]}?{request.GET.urlencode()}")
    loaded = _load(request, account_id, with_account=False)
    ddi_id, outcome, picks = _trace_choices(request)
    context = {
        "account": loaded.account,
        "ddi": ddi_id,
        "outcome": outcome,
        **_trace_context(loaded.flow, ddi_id, outcome, picks),
    }
    return render(request, "flows/_trace_result.html", context)


@require_GET
def outline_view(request: HttpRequest, account_id: str) -> HttpResponse:
    loaded = _load(request, account_id, with_account=not request.htmx)
    context = {
        "account": loaded.account,
        "tab": "flow",
        "outline": mark_safe(outline_html(loaded.flow, outline(loaded.flow))),
    }
    return page_or_part(request, "flows/outline.html", "flows/_outline.html", context)


def _fields(value: object, path: str = "") -> list[tuple[str, str]]:
    """Every leaf of a device, as (path, text): unknown fields are shown like known ones."""
    rows: list[tuple[str, str]] = []
    stack = [(path, value)]
    while stack:
        where, current = stack.pop()
        if isinstance(current, dict) and current:
            stack.extend(
                (f"{where}.{key}" if where else str(key), current[key])
                for key in reversed(list(current))
            )
        elif (
            isinstance(current, list)
            and current
            and any(isinstance(v, dict | list) for v in current)
        ):
            stack.extend(
                (f"{where}[{index}]", item) for index, item in reversed(list(enumerate(current)))
            )
        else:
            rows.append((where, current if isinstance(current, str) else json.dumps(current)))
    return rows


@require_GET
def inspector(request: HttpRequest, account_id: str, device_id: str | None = None) -> HttpResponse:
    if device_id is None:
        device_id = request.GET.get("id", "")
        if not device_id or len(device_id) > MAX_DEVICE_ID:
            raise Http404("This flow has no such device.")
    loaded = _load(request, account_id, with_account=not request.htmx)
    flow = loaded.flow
    device = flow.devices.get(device_id)
    if device is None:
        raise Http404("This flow has no such device.")
    context = {
        "account": loaded.account,
        "tab": "flow",
        "device": device,
        "type": type_label(device.type),
        "fields": _fields(masked_document(device.raw)),
        "outgoing": [
            (link, link.label or port_label(link.port), _device_name(flow, link.target))
            for link in flow.outgoing(device_id)
        ],
        "incoming": [
            (link, link.label or port_label(link.port), _device_name(flow, link.source))
            for link in flow.incoming(device_id)
        ],
        "findings": [f for f in loaded.findings if f.device_id == device_id],
        "raw": json.dumps(masked_document(device.raw), indent=2, ensure_ascii=False),
    }
    return page_or_part(request, "flows/inspector.html", "flows/_inspector.html", context)


@require_GET
def export_json(request: HttpRequest, account_id: str) -> HttpResponse:
    if not request.is_admin:  # it keeps every value, credentials included
        raise PermissionDenied(
            "The JSON export holds every value, credentials included: it is "
            "for organisation admins."
        )
    loaded = _load(request, account_id, with_account=False, fresh=True)
    placed = _layout(account_id, loaded.flow)
    body = {
        "account": account_id,
        "devices": loaded.devices,  # exactly as the upstream sent them
        "layout": {device_id: {"x": x, "y": y} for device_id, (x, y) in placed.positions.items()},
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="flow-{account_id}.json"'
    return response


@require_GET
def export_svg(request: HttpRequest, account_id: str) -> HttpResponse:
    loaded = _load(request, account_id, fresh=True)
    placed = _layout(account_id, loaded.flow)
    svg = render_svg(
        loaded.flow, placed, loaded.findings, standalone=True, title=_title(loaded.account)
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="flow-{account_id}.svg"'
    # An SVG opened on its own is a document: allow its inline style and nothing else.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_not_required
@require_GET
@cache_control(public=True, max_age=3600)
def device_types_css(request: HttpRequest) -> HttpResponse:
    """Each device type's colour, from the one table of device types (no copy in a CSS file)."""
    return HttpResponse(stylesheet(), content_type="text/css; charset=utf-8")

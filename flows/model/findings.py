"""What is wrong, or worth knowing, about a flow: `validate(flow)` returns findings, worst first.

The editor checks again after every change: `check(flow)` keeps, beside the findings, what the
next check may reuse (each device's own findings, which devices a call reaches, the closed loops),
and `revalidate` gives the findings of the changed flow reading again only the devices whose raw
object or links changed, and the reach and loops only when some link or start changed. It returns
exactly what `validate` would.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from flows.model.graph import (
    KNOWN_TYPES,
    ROUTE_START,
    SIP_GATEWAY,
    Device,
    Flow,
    Link,
    type_label,
)

SEVERITIES = ("error", "warning", "info")

# code -> what it means; one finding code per check
CODES: dict[str, str] = {
    "invalid_device": "an entry of the device list is not a device with an id",
    "duplicate_id": "two devices share an id; only the first is shown",
    "invalid_settings": "a device of a known type lacks its settings object",
    "unknown_type": "devices of a type the dashboard does not know (one finding per type)",
    "dangling_link": "a link to a device that does not exist",
    "unreachable": "a device no call can reach from any start",
    "start_without_ddi": "a start no number enters",
    "start_not_connected": "a start that leads nowhere",
    "unknown_ddi": "a start lists a number the account does not have",
    "ddi_on_two_starts": "a number listed by more than one start",
    "ddi_unrouted": "a number of the account that no start lists",
    "gateway_without_trunk": "a SIP gateway with no trunk",
    "unknown_trunk": "a SIP gateway lists a trunk the account does not have",
    "duplicate_extension": "an extension used by more than one device",
    "closed_loop": "devices that pass calls round in a loop no call can leave",
}


@dataclass(frozen=True, slots=True)
class Finding:
    severity: str
    code: str
    device_id: str | None
    field: str | None
    message: str
    # the number a finding is about: the Numbers page reads "is it routed" from here, like the canvas
    ddi_id: str | None = None


def validate(flow: Flow) -> list[Finding]:
    """Every finding about the flow: errors first, then warnings, then info; each in device order."""
    return check(flow).findings


@dataclass(frozen=True, eq=False)
class Checked:
    """`validate`'s findings of one flow, and the parts of them a changed flow may reuse."""

    findings: list[Finding]
    # device id -> the findings about the device alone (its links, settings, numbers, trunks)
    own: dict[str, tuple[Finding, ...]]
    reachable: frozenset[str]
    # the members of each closed loop
    loops: tuple[tuple[str, ...], ...]


def check(flow: Flow) -> Checked:
    own = {device.id: tuple(_device_checks(flow, device)) for device in flow.devices.values()}
    return _checked(flow, own, flow.reachable, _loop_members(flow))


def revalidate(checked: Checked, previous: Flow, flow: Flow) -> Checked:
    """`check(flow)`, where `checked` is `check(previous)`: a device whose `Device` and links are
    the very objects `previous` had (as `graph.reparse` keeps them) keeps its own findings; the
    reach is kept while every device has the same links to the same places and the same starts
    are there, and only the devices whose links changed are looked at for loops."""
    if flow.ddis != previous.ddis or flow.trunks != previous.trunks:
        return check(flow)
    own: dict[str, tuple[Finding, ...]] = {}
    # devices whose links now go elsewhere (or leave where they did not), appeared or went
    rewired = {device_id for device_id in previous.devices if device_id not in flow.devices}
    for device_id, device in flow.devices.items():
        links = flow.outgoing(device_id)
        before = previous.outgoing(device_id)
        kept = checked.own.get(device_id)
        if kept is not None and previous.devices.get(device_id) is device and _same(links, before):
            own[device_id] = kept
            continue
        own[device_id] = tuple(_device_checks(flow, device))
        if device_id not in previous.devices or _wiring(links) != _wiring(before):
            rewired.add(device_id)
    if not rewired and flow.starts == previous.starts:
        return _checked(flow, own, checked.reachable, checked.loops)
    return _checked(flow, own, flow.reachable, _loops_after(checked.loops, flow, rewired))


def _loops_after(
    loops: tuple[tuple[str, ...], ...], flow: Flow, rewired: set[str]
) -> tuple[tuple[str, ...], ...]:
    """The closed loops of `flow`, where `loops` were those before the devices `rewired` changed
    their links: a loop none of them is in kept all its links, so it still is one; any other
    loop holds one of them, and is everything that one reaches."""
    kept = [loop for loop in loops if rewired.isdisjoint(loop)]
    found: set[str] = set()
    for device_id in rewired:
        if device_id in flow.devices and device_id not in found:
            loop = _closed_from(flow, device_id)
            if loop is not None:
                kept.append(loop)
                found.update(loop)
    return tuple(kept)


def _closed_from(flow: Flow, start: str) -> tuple[str, ...] | None:
    """The closed loop `start` is in, if it is in one: what it reaches, if nothing reached
    leaves the devices and everything reached leads back to it."""
    reached = {start}
    queue = [start]
    while queue:
        for link in flow.outgoing(queue.pop()):
            if link.kind != "device":
                return None
            if link.target not in reached:
                reached.add(link.target)
                queue.append(link.target)
    back = {start}
    queue = [start]
    while queue:
        for link in flow.incoming(queue.pop()):
            if link.source in reached and link.source not in back:
                back.add(link.source)
                queue.append(link.source)
    if len(back) != len(reached):
        return None
    if len(reached) == 1 and not any(link.target == start for link in flow.outgoing(start)):
        return None
    return tuple(reached)


def _same(links: Sequence[Link], before: Sequence[Link]) -> bool:
    # identity, not equality: a link's label (a menu option's digit) is not part of its equality
    return links is before or (
        len(links) == len(before) and all(a is b for a, b in zip(links, before, strict=True))
    )


def _wiring(links: Sequence[Link]) -> tuple[tuple[str, str], ...]:
    """What reach and loops read of a device's links: where each goes, or that it leaves."""
    return tuple((link.kind, link.target) for link in links)


def _checked(
    flow: Flow,
    own: dict[str, tuple[Finding, ...]],
    reachable: frozenset[str],
    loops: tuple[tuple[str, ...], ...],
) -> Checked:
    found: list[Finding] = []
    found.extend(_skipped(flow))
    for device_id in flow.devices:
        found.extend(own[device_id])
    found.extend(_unknown_types(flow))
    found.extend(_ddi_checks(flow))
    found.extend(_unreachable(flow, reachable))
    found.extend(_duplicate_extensions(flow))
    order = {device_id: position for position, device_id in enumerate(flow.devices)}
    found.extend(_closed_loops(flow, loops, order))
    rank = {severity: position for position, severity in enumerate(SEVERITIES)}
    findings = sorted(
        found,
        key=lambda finding: (
            rank.get(finding.severity, len(rank)),
            order.get(finding.device_id, len(order)),
        ),
    )
    return Checked(findings, own, reachable, loops)


def by_device(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped by the device they concern (account-level ones left out)."""
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.device_id is not None:
            grouped[finding.device_id].append(finding)
    return dict(grouped)


def _named(device: Device) -> str:
    return f"“{device.title}”"


def _names(devices: list[Device], limit: int = 4) -> str:
    shown = [_named(device) for device in devices[:limit]]
    if len(devices) > limit:
        shown.append(f"{len(devices) - limit} more")
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else "".join(shown)


def _skipped(flow: Flow) -> list[Finding]:
    found = []
    for entry in flow.skipped:
        position = f"[{entry.index}]"
        if entry.reason == "duplicate id":
            first = flow.devices[entry.device_id]
            found.append(
                Finding(
                    "error",
                    "duplicate_id",
                    entry.device_id,
                    "id",
                    f"Entry {entry.index + 1} of the device list has the same id as "
                    f"{_named(first)}; only the first is shown.",
                )
            )
        else:
            found.append(
                Finding(
                    "error",
                    "invalid_device",
                    None,
                    position,
                    f"Entry {entry.index + 1} of the device list is not a device "
                    f"({entry.reason}); it is not shown.",
                )
            )
    return found


def _device_checks(flow: Flow, device: Device) -> list[Finding]:
    found = []
    for link in flow.outgoing(device.id):
        if link.kind == "dangling":
            found.append(
                Finding(
                    "error",
                    "dangling_link",
                    device.id,
                    link.path,
                    f"{_named(device)}: “{link.label}” goes to {link.target}, "
                    "which is not a device of this account.",
                )
            )
    if device.known and device.settings is None:
        key = KNOWN_TYPES[device.type]
        problem = "is not an object" if key in device.raw else "is missing"
        found.append(
            Finding(
                "error",
                "invalid_settings",
                device.id,
                key,
                f"{_named(device)} is a {type_label(device.type)} but its {key} settings {problem}.",
            )
        )
        return found
    if device.type == ROUTE_START:
        found.extend(_start_checks(flow, device))
    elif device.type == SIP_GATEWAY:
        found.extend(_gateway_checks(flow, device))
    return found


def _unknown_types(flow: Flow) -> list[Finding]:
    # one finding per type, not per device: an account may hold hundreds of menus
    by_type: dict[str, list[Device]] = defaultdict(list)
    for device in flow.devices.values():
        if not device.known:
            by_type[device.type].append(device)
    found = []
    for device_type, devices in by_type.items():
        what = f"of type {device_type}" if device_type else "without a type"
        found.append(
            Finding(
                "info",
                "unknown_type",
                None,
                device_type,
                f"{_names(devices)} {'are' if len(devices) > 1 else 'is'} {what}, which the "
                "dashboard does not know: kept as "
                f"{'they are' if len(devices) > 1 else 'it is'}, links read by the general rule.",
            )
        )
    return found


def _start_checks(flow: Flow, device: Device) -> list[Finding]:
    found = []
    if not device.ddis:
        found.append(
            Finding(
                "warning",
                "start_without_ddi",
                device.id,
                "startRoute.ddis",
                f"No number enters the flow at {_named(device)}: it lists no DDI.",
            )
        )
    if not flow.outgoing(device.id):
        found.append(
            Finding(
                "warning",
                "start_not_connected",
                device.id,
                "startRoute.connectTo",
                f"{_named(device)} leads nowhere: it connects to no device.",
            )
        )
    for ddi_id in device.ddis:
        if ddi_id not in flow.ddis:
            found.append(
                Finding(
                    "error",
                    "unknown_ddi",
                    device.id,
                    "startRoute.ddis",
                    f"{_named(device)} lists the number {ddi_id}, "
                    "which is not a DDI of this account.",
                    ddi_id,
                )
            )
    return found


def _gateway_checks(flow: Flow, device: Device) -> list[Finding]:
    if not device.trunks:
        return [
            Finding(
                "error",
                "gateway_without_trunk",
                device.id,
                "sipGateway.trunks",
                f"{_named(device)} sends calls to no trunk: it lists none.",
            )
        ]
    return [
        Finding(
            "error",
            "unknown_trunk",
            device.id,
            "sipGateway.trunks",
            f"{_named(device)} lists the trunk {trunk_id}, which is not a trunk of this account.",
        )
        for trunk_id in device.trunks
        if trunk_id not in flow.trunks
    ]


def _ddi_checks(flow: Flow) -> list[Finding]:
    found = []
    for ddi_id, start_ids in flow.ddi_routes.items():
        number = flow.ddis.get(ddi_id, ddi_id)
        if not start_ids:
            found.append(
                Finding(
                    "warning",
                    "ddi_unrouted",
                    None,
                    ddi_id,
                    f"The number {number} is routed nowhere: no start lists it.",
                    ddi_id,
                )
            )
        elif len(start_ids) > 1:
            starts = [flow.devices[start_id] for start_id in start_ids]
            for start in starts:
                found.append(
                    Finding(
                        "error",
                        "ddi_on_two_starts",
                        start.id,
                        "startRoute.ddis",
                        f"The number {number} is listed by {_names(starts)}: "
                        "a number enters the flow at one start only.",
                        ddi_id,
                    )
                )
    return found


def _unreachable(flow: Flow, reachable: frozenset[str]) -> list[Finding]:
    return [
        Finding(
            "warning",
            "unreachable",
            device.id,
            None,
            f"No call can reach {_named(device)}: no start leads to it.",
        )
        for device in flow.devices.values()
        if device.id not in reachable
    ]


def _duplicate_extensions(flow: Flow) -> list[Finding]:
    holders: dict[str, list[Device]] = defaultdict(list)
    for device in flow.devices.values():
        if device.extension:
            holders[device.extension].append(device)
    found = []
    for device in flow.devices.values():
        sharing = holders.get(device.extension, [])
        if len(sharing) > 1:
            others = [other for other in sharing if other is not device]
            found.append(
                Finding(
                    "warning",
                    "duplicate_extension",
                    device.id,
                    "extension",
                    f"{_named(device)} has extension {device.extension}, "
                    f"which {_names(others)} also {'use' if len(others) > 1 else 'uses'}.",
                )
            )
    return found


def strongly_connected(flow: Flow) -> list[list[str]]:
    """Strongly connected components over device links (Tarjan, iterative), in discovery order."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    for root in flow.devices:
        if root in index:
            continue
        index[root] = lowlink[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(flow.outgoing(root)))]
        while work:
            node, links = work[-1]
            descended = False
            for link in links:
                if link.kind != "device":
                    continue
                target = link.target
                if target not in index:
                    index[target] = lowlink[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(flow.outgoing(target))))
                    descended = True
                    break
                if target in on_stack:
                    lowlink[node] = min(lowlink[node], index[target])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component[::-1])
    return components


def _loop_members(flow: Flow) -> tuple[tuple[str, ...], ...]:
    """The strongly connected components no call can leave once in: each a closed loop."""
    loops = []
    for component in strongly_connected(flow):
        members = set(component)
        links = [link for member in component for link in flow.outgoing(member)]
        is_loop = len(component) > 1 or any(link.target in members for link in links)
        leaves = any(link.kind != "device" or link.target not in members for link in links)
        if is_loop and not leaves:
            loops.append(tuple(component))
    return tuple(loops)


def _closed_loops(
    flow: Flow, loops: tuple[tuple[str, ...], ...], order: dict[str, int]
) -> list[Finding]:
    found = []
    for component in loops:
        ordered = [flow.devices[member] for member in sorted(component, key=order.__getitem__)]
        loop = (
            f"{_names(ordered)} only pass calls to each other"
            if len(ordered) > 1
            else f"{_names(ordered)} only passes calls to itself"
        )
        for device in ordered:
            found.append(
                Finding(
                    "error",
                    "closed_loop",
                    device.id,
                    None,
                    f"{_named(device)} is in a loop no call can leave: {loop}.",
                )
            )
    return found

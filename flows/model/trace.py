"""Follow one call through a flow: from the start its number rings into, port by port, to its end."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flows.model.graph import SIP_GATEWAY, Flow, Link

# what happened at a SIP gateway -> the port the call leaves by
GATEWAY_OUTCOMES: dict[str, str] = {
    "answered": "onComplete",
    "busy": "onBusy",
    "no answer": "onNoAnswer",
    "failed": "onFail",
}


@dataclass(eq=False)
class Trace:
    ddi_id: str
    # (device id, port taken); the port is None where the call found no way on
    steps: list[tuple[str, str | None]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    end: str = "no_route"
    # the terminal's name (end "terminal") or the missing device's id (end "dangling")
    end_target: str | None = None
    # where it ended: the revisited device for "loop", the last device otherwise
    end_device: str | None = None
    # every start listing the number; more than one is an error the call follows the first of
    starts: list[str] = field(default_factory=list)


def trace(
    flow: Flow,
    ddi_id: str,
    outcomes: Mapping[str, str] | None = None,
    default_gateway_outcome: str = "onComplete",
) -> Trace:
    """The path of a call to `ddi_id`. `outcomes` picks, per device id, the port to leave by (or
    the full path of a link, such as `ivrMenu.options[1].connectTo`, to pick a menu option);
    a gateway without a choice leaves by `default_gateway_outcome`; any other device by
    `connectTo`, else by its first link."""
    outcomes = outcomes or {}
    starts = list(flow.ddi_routes.get(ddi_id, ()))
    result = Trace(ddi_id, starts=starts)
    if not starts:
        return result
    visited: set[str] = set()
    device_id = starts[0]
    # each device is entered at most once, so the walk ends within len(devices) steps
    while True:
        visited.add(device_id)
        result.end_device = device_id
        links = flow.outgoing(device_id)
        choice = outcomes.get(device_id)
        if choice is None and flow.devices[device_id].type == SIP_GATEWAY:
            choice = default_gateway_outcome
        link = _choose(links, choice)
        if link is None:
            result.steps.append((device_id, choice))
            result.end = "dead_end"
            return result
        result.steps.append((device_id, link.port))
        result.links.append(link)
        if link.kind == "terminal":
            result.end, result.end_target = "terminal", link.target
            return result
        if link.kind == "dangling":
            result.end, result.end_target = "dangling", link.target
            return result
        if link.target in visited:
            result.end, result.end_device = "loop", link.target
            return result
        device_id = link.target


def _choose(links: tuple[Link, ...], choice: str | None) -> Link | None:
    if choice is not None:
        for link in links:
            if link.path == choice:
                return link
        return next((link for link in links if link.port == choice), None)
    return next((link for link in links if link.port == "connectTo"), links[0] if links else None)

"""What the account pages tell about the flow: where each number enters it, which gateways use
a trunk, which devices name a hook, how many devices of each type. Pure Python, read from the
flow graph; whether a number is routed is read from the findings, as the canvas reads it."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from flows.model.devicetypes import device_type
from flows.model.findings import Finding
from flows.model.graph import SIP_GATEWAY, Device, Flow, type_label

# finding code -> how the Numbers page words it, worst first
DDI_PROBLEMS = {
    "unknown_ddi": "not a number of this account",
    "ddi_on_two_starts": "listed by more than one start",
    "ddi_unrouted": "not routed",
}


@dataclass
class DdiRoute:
    ddi_id: str
    number: str
    starts: list[Device] = field(default_factory=list)
    known: bool = True  # one of the account's DDIs (a start may list an id that is not)
    problem: str | None = None


def ddi_routes(flow: Flow, findings: Iterable[Finding]) -> list[DdiRoute]:
    """Every DDI of the flow with the starts listing it, by number; then ids starts list that
    are not DDIs. Each route's problem is the worst finding about its number."""
    problems: dict[str, str] = {}
    for finding in findings:
        if finding.ddi_id is not None and finding.code in DDI_PROBLEMS:
            current = problems.get(finding.ddi_id)
            if current is None or list(DDI_PROBLEMS).index(finding.code) < list(DDI_PROBLEMS).index(
                current
            ):
                problems[finding.ddi_id] = finding.code
    routes = [
        DdiRoute(
            ddi_id,
            flow.ddis.get(ddi_id, ddi_id),
            [flow.devices[start_id] for start_id in start_ids],
            known=ddi_id in flow.ddis,
            problem=DDI_PROBLEMS.get(problems.get(ddi_id, "")),
        )
        for ddi_id, start_ids in flow.ddi_routes.items()
    ]
    routes.sort(key=lambda route: (not route.known, route.number))
    return routes


def gateways_using(flow: Flow, trunk_id: str) -> list[Device]:
    return [
        device
        for device in flow.devices.values()
        if device.type == SIP_GATEWAY and trunk_id in device.trunks
    ]


def devices_naming(flow: Flow, object_id: str) -> list[Device]:
    """Devices with `object_id` anywhere in their settings (a flow-hook device names its hook)."""
    return [
        device
        for device in flow.devices.values()
        if device.settings is not None and _mentions(device.settings, object_id)
    ]


def _mentions(value: object, wanted: str) -> bool:
    stack = [value]
    while stack:
        current = stack.pop()
        if current == wanted:
            return True
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return False


def devices_by_type(flow: Flow) -> list[tuple[str, str, int, str]]:
    """(type, its label, how many, its look), most common first."""
    counts = Counter(device.type for device in flow.devices.values())
    return [
        (kind, type_label(kind), count, device_type(kind).look)
        for kind, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    ]

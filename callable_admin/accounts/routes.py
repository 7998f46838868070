"""What the account pages tell about the flow: where each number enters it, which gateways use
a trunk, which devices name a hook, how many devices of each type. Read from the flow graph
(`flows.graph`), pure Python."""

from collections import Counter
from dataclasses import dataclass, field

from flows.graph import SIP_GATEWAY, Device, Flow, type_label

NOT_ROUTED = "not routed"
ROUTED_TWICE = "listed by more than one start"
NOT_OURS = "not a number of this account"


@dataclass
class DdiRoute:
    ddi_id: str
    number: str
    starts: list[Device] = field(default_factory=list)
    known: bool = True  # one of the account's DDIs (a start may list an id that is not)

    @property
    def problem(self) -> str | None:
        if not self.known:
            return NOT_OURS
        if not self.starts:
            return NOT_ROUTED
        if len(self.starts) > 1:
            return ROUTED_TWICE
        return None


def ddi_routes(ddis: list[dict], flow: Flow) -> list[DdiRoute]:
    """Every DDI with the starts listing it, by number; then ids starts list that are not DDIs."""
    names = {ddi["id"]: str(ddi.get("name") or ddi["id"]) for ddi in ddis}
    routes = [
        DdiRoute(
            ddi_id,
            names.get(ddi_id, ddi_id),
            [flow.devices[s] for s in start_ids],
            known=ddi_id in names,
        )
        for ddi_id, start_ids in flow.ddi_routes.items()
    ]
    for ddi_id, number in names.items():
        if ddi_id not in flow.ddi_routes:
            routes.append(DdiRoute(ddi_id, number))
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


def devices_by_type(flow: Flow) -> list[tuple[str, str, int]]:
    """(type, its label, how many), most common first."""
    counts = Counter(device.type for device in flow.devices.values())
    return [
        (kind, type_label(kind), count)
        for kind, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    ]

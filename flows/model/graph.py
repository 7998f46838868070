"""The call-flow graph: an account's devices and the links between them.

Pure Python, no Django and no HTTP. `parse` reads the upstream's device list (whatever shape it
arrives in) and never modifies it: each `Device.raw` is the upstream dict itself.

Link rule, for every type: a field named `connectTo` or `on` + capital letter (a *port*), or any
string field whose value is the id of a device of the account, links the device to that device;
a port whose value is an all-caps enum (`HANGUP`) links it to that terminal, and a port holding
anything else (a deleted device's id) is a dangling link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import InitVar, dataclass, field, replace
from functools import cached_property

from flows.model.devicetypes import ROUTE_START, SIP_GATEWAY, TYPES, camel, type_label

# device type -> name of its settings object, and the ports of that object in the order shown
# and followed: the documented types, from the one table of device types
KNOWN_TYPES: dict[str, str] = {t.name: t.settings_key for t in TYPES.values() if t.documented}
KNOWN_PORTS: dict[str, tuple[str, ...]] = {t.name: t.ports for t in TYPES.values() if t.documented}

# id lists that attach numbers and trunks to a device: never device links
ATTACHMENT_PATHS = frozenset({"startRoute.ddis", "sipGateway.trunks"})

# top-level fields every device has; they name the device, they do not link it
IDENTITY_FIELDS = frozenset({"id", "type", "name", "extension"})

PORT_LABELS: dict[str, str] = {
    "connectTo": "next",
    "onComplete": "answered",
    "onNoAnswer": "no answer",
    "onBusy": "busy",
    "onFail": "failed",
    "onTimeout": "timeout",
    "onNoMatch": "no match",
}

LINK_KINDS = ("device", "terminal", "dangling")

_ENUM = re.compile(r"[A-Z][A-Z_]*")
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def is_port(field_name: object) -> bool:
    """A field that links by name: `connectTo`, or `on` followed by a capital letter."""
    if not isinstance(field_name, str):
        return False
    if field_name == "connectTo":
        return True
    return len(field_name) > 2 and field_name.startswith("on") and "A" <= field_name[2] <= "Z"


def is_terminal(value: str) -> bool:
    return _ENUM.fullmatch(value) is not None


def port_label(port: str) -> str:
    """Words for a port: `onNoAnswer` -> `no answer`, `fallbackDevice` -> `fallback device`."""
    if port in PORT_LABELS:
        return PORT_LABELS[port]
    words = port[2:] if is_port(port) and port != "connectTo" else port
    return _WORD_BREAK.sub(" ", words).lower()


@dataclass(frozen=True, slots=True)
class Link:
    source: str
    target: str
    port: str
    path: str
    kind: str
    # display words: the port's label, or the menu digit for an option's link
    label: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True, eq=False)
class Device:
    id: str
    type: str
    name: str
    extension: str
    raw: dict
    settings_key: str | None
    settings: dict | None
    ddis: tuple[str, ...] = ()
    trunks: tuple[str, ...] = ()
    index: int = 0

    @property
    def known(self) -> bool:
        return self.type in KNOWN_TYPES

    @property
    def title(self) -> str:
        """The device as a person names it: its name, else its type and extension or id."""
        if self.name:
            return self.name
        return f"{type_label(self.type)} {self.extension or self.id}"


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry of the device list that cannot be a node of the graph."""

    index: int
    raw: object
    reason: str  # "not an object" | "no id" | "duplicate id"
    device_id: str | None = None


@dataclass(eq=False)
class Flow:
    devices: dict[str, Device]
    links: list[Link]
    ddis: dict[str, str] = field(default_factory=dict)
    trunks: dict[str, dict] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    # each device's outgoing and incoming links, when the caller has them already (`reparse`)
    indexed: InitVar[tuple[dict, dict] | None] = None
    _outgoing: dict[str, tuple[Link, ...]] = field(init=False, repr=False)
    _incoming: dict[str, tuple[Link, ...]] = field(init=False, repr=False)

    def __post_init__(self, indexed: tuple[dict, dict] | None) -> None:
        if indexed is not None:
            self._outgoing, self._incoming = indexed
            return
        outgoing: dict[str, list[Link]] = {}
        incoming: dict[str, list[Link]] = {}
        for link in self.links:
            outgoing.setdefault(link.source, []).append(link)
            if link.kind == "device":
                incoming.setdefault(link.target, []).append(link)
        self._outgoing = {key: tuple(value) for key, value in outgoing.items()}
        self._incoming = {key: tuple(value) for key, value in incoming.items()}

    def outgoing(self, device_id: str) -> tuple[Link, ...]:
        """Links leaving the device, in port order."""
        return self._outgoing.get(device_id, ())

    def incoming(self, device_id: str) -> tuple[Link, ...]:
        """Device links arriving at the device, in device then port order."""
        return self._incoming.get(device_id, ())

    @cached_property
    def starts(self) -> list[str]:
        """Ids of the ROUTE_START devices, in upstream order."""
        return [device.id for device in self.devices.values() if device.type == ROUTE_START]

    @cached_property
    def ddi_routes(self) -> dict[str, list[str]]:
        """DDI id -> ids of the starts listing it: the account's DDIs first, then unknown ones."""
        routes: dict[str, list[str]] = {ddi_id: [] for ddi_id in self.ddis}
        for start_id in self.starts:
            for ddi_id in self.devices[start_id].ddis:
                routes.setdefault(ddi_id, []).append(start_id)
        return routes

    @cached_property
    def reachable(self) -> frozenset[str]:
        """Ids of the devices a call can reach from some start (the starts included)."""
        seen = set(self.starts)
        queue = list(self.starts)
        while queue:
            device_id = queue.pop()
            for link in self.outgoing(device_id):
                if link.kind == "device" and link.target not in seen:
                    seen.add(link.target)
                    queue.append(link.target)
        return frozenset(seen)


def parse(devices: object, ddis: object = (), trunks: object = ()) -> Flow:
    """Build the flow of an account from its devices, DDIs (`[{id, name}]`) and trunks."""
    entries = devices if isinstance(devices, list | tuple) else ()
    kept: dict[str, Device] = {}
    skipped: list[Skipped] = []
    for index, raw in enumerate(entries):
        if not isinstance(raw, dict):
            skipped.append(Skipped(index, raw, "not an object"))
            continue
        device_id = _id_of(raw.get("id"))
        if device_id is None:
            skipped.append(Skipped(index, raw, "no id"))
        elif device_id in kept:
            skipped.append(Skipped(index, raw, "duplicate id", device_id))
        else:
            kept[device_id] = _device(raw, device_id, index)
    links: list[Link] = []
    for device in kept.values():
        links.extend(_links_of(device, kept))
    return Flow(kept, links, _ddi_names(ddis), _trunks_by_id(trunks), skipped)


def _id_of(value: object) -> str | None:
    if isinstance(value, str):
        return value or None
    # ids are opaque strings, but a number still names one device unambiguously
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _settings_key(raw: dict, device_type: str) -> str | None:
    if device_type in KNOWN_TYPES:
        key = KNOWN_TYPES[device_type]
        return key if key in raw else None
    if device_type and camel(device_type) in raw:
        return camel(device_type)
    # a type we do not know: its settings are its one object-valued field, if there is one
    candidates = [
        key for key, value in raw.items() if key not in IDENTITY_FIELDS and isinstance(value, dict)
    ]
    return candidates[0] if len(candidates) == 1 else None


def _id_list(settings: dict | None, key: str) -> tuple[str, ...]:
    values = settings.get(key) if settings is not None else None
    if not isinstance(values, list):
        return ()
    return tuple(dict.fromkeys(value for value in values if isinstance(value, str) and value))


def _device(raw: dict, device_id: str, index: int) -> Device:
    device_type = raw.get("type") if isinstance(raw.get("type"), str) else ""
    settings_key = _settings_key(raw, device_type)
    settings = raw.get(settings_key) if settings_key is not None else None
    if not isinstance(settings, dict):
        settings = None
    return Device(
        id=device_id,
        type=device_type,
        name=_text(raw.get("name")),
        extension=_text(raw.get("extension")),
        raw=raw,
        settings_key=settings_key,
        settings=settings,
        ddis=_id_list(settings, "ddis") if device_type == ROUTE_START else (),
        trunks=_id_list(settings, "trunks") if device_type == SIP_GATEWAY else (),
        index=index,
    )


def _links_of(device: Device, devices: Mapping[str, Device]) -> list[Link]:
    found: list[Link] = []
    top_level = {key: value for key, value in device.raw.items() if key not in IDENTITY_FIELDS}
    visited = {id(top_level)}
    # a stack of open containers, not recursion: nesting depth never meets the recursion limit
    stack = [_entries(top_level, "", "")]
    while stack:
        for path, key, value, owner in stack[-1]:
            if isinstance(value, str):
                if not value or path in ATTACHMENT_PATHS:
                    continue
                if value in devices:
                    kind = "device"
                elif not is_port(key):
                    continue
                elif is_terminal(value):
                    kind = "terminal"
                else:
                    kind = "dangling"
                found.append(Link(device.id, value, key, path, kind, _label(key, owner, path)))
            elif isinstance(value, dict | list) and id(value) not in visited:
                if path not in ATTACHMENT_PATHS:
                    visited.add(id(value))
                    stack.append(_entries(value, path, key))
                    break
        else:
            stack.pop()
    ports = KNOWN_PORTS.get(device.type)
    if ports and device.settings_key:
        rank = {f"{device.settings_key}.{port}": order for order, port in enumerate(ports)}
        found.sort(key=lambda link: rank.get(link.path, len(ports)))
    return found


def _entries(
    container: dict | list, path: str, key: str
) -> Iterator[tuple[str, str, object, object]]:
    """(path, field name, value, dict holding it) for each child; a list's items keep its name."""
    if isinstance(container, dict):
        for child_key, child in container.items():
            if child_key != "id":
                name = str(child_key)
                yield (f"{path}.{name}" if path else name), name, child, container
    else:
        for position, child in enumerate(container):
            yield f"{path}[{position}]", key, child, None


def _label(key: str, owner: object, path: str) -> str:
    # an option of a menu is known by its digit, not by its `connectTo`
    if isinstance(owner, dict) and path.endswith(f"].{key}"):
        digit = owner.get("digit")
        if isinstance(digit, str | int) and not isinstance(digit, bool) and str(digit):
            return f"press {digit}"
    return port_label(key)


def _ddi_names(ddis: object) -> dict[str, str]:
    names: dict[str, str] = {}
    for ddi in ddis if isinstance(ddis, Iterable) and not isinstance(ddis, str | bytes) else ():
        if isinstance(ddi, dict) and (ddi_id := _id_of(ddi.get("id"))) is not None:
            names.setdefault(ddi_id, _text(ddi.get("name")) or ddi_id)
    return names


def _trunks_by_id(trunks: object) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for trunk in (
        trunks if isinstance(trunks, Iterable) and not isinstance(trunks, str | bytes) else ()
    ):
        if isinstance(trunk, dict) and (trunk_id := _id_of(trunk.get("id"))) is not None:
            found.setdefault(trunk_id, trunk)
    return found


def trunk_summary(trunk: dict) -> str:
    """A trunk in a few words: its description and address."""
    description = _text(trunk.get("description"))
    address = _text(trunk.get("ip"))
    return " ".join(part for part in (description, address) if part) or _text(trunk.get("id"))


def reparse(flow: Flow, devices: Sequence[object], changed: Iterable[str]) -> Flow:
    """`parse(devices, …)` for a device list that differs from the one `flow` was parsed from only
    in the devices named by `changed` (edited, added or removed; ddis and trunks the same): those
    are read again, and so are the devices whose links may name an added or removed id. The
    editor's answer to one change, without reading a thousand devices again."""
    entries = devices if isinstance(devices, list | tuple) else ()
    wanted = set(changed)
    kept: dict[str, Device] = {}
    odd: list[object] = []
    for index, raw in enumerate(entries):
        device_id = _id_of(raw.get("id")) if isinstance(raw, dict) else None
        if device_id is None or device_id in kept:
            odd.append(raw)
            continue
        old = flow.devices.get(device_id)
        if device_id in wanted or old is None or old.raw is not raw:
            wanted.add(device_id)
            kept[device_id] = _device(raw, device_id, index)
        else:
            kept[device_id] = old if old.index == index else replace(old, index=index)
    if len(odd) != len(flow.skipped):
        return parse(devices, _ddi_list(flow), list(flow.trunks.values()))
    appeared = {
        device_id for device_id in wanted if device_id in kept and device_id not in flow.devices
    }
    gone = {device_id for device_id in wanted if device_id not in kept}
    relink = {device_id for device_id in wanted if device_id in kept}
    for device_id in gone:
        relink.update(link.source for link in flow.incoming(device_id))
    if appeared:
        # a string anywhere in another device may name the id that (re)appeared: find them
        relink.update(holders(kept.values(), appeared))
    relink &= kept.keys()
    # each device's links: read again for those in `relink`, else the very tuple it had
    links: list[Link] = []
    outgoing: dict[str, tuple[Link, ...]] = {}
    for device in kept.values():
        found = (
            tuple(_links_of(device, kept))
            if device.id in relink
            else flow._outgoing.get(device.id, ())
        )
        if found:
            links.extend(found)
            outgoing[device.id] = found
    # incoming links change only at the targets of links that were read again or went
    moved = relink | gone
    targets = {
        link.target
        for device_id in moved
        for link in (*flow.outgoing(device_id), *outgoing.get(device_id, ()))
        if link.kind == "device"
    }
    incoming = dict(flow._incoming)
    if targets:
        position = {device_id: index for index, device_id in enumerate(kept)}
        for target in targets:
            arriving = [link for link in flow.incoming(target) if link.source not in moved]
            arriving.extend(
                link
                for device_id in relink
                for link in outgoing.get(device_id, ())
                if link.kind == "device" and link.target == target
            )
            # in device order, then port order (a sort keeps each device's links in order)
            arriving.sort(key=lambda link: position[link.source])
            if arriving:
                incoming[target] = tuple(arriving)
            else:
                incoming.pop(target, None)
    offset = len(kept) - len(flow.devices)
    skipped = [replace(entry, index=entry.index + offset) for entry in flow.skipped]
    return Flow(
        kept, links, dict(flow.ddis), dict(flow.trunks), skipped, indexed=(outgoing, incoming)
    )


def holders(devices: Iterable[Device], values: set[str]) -> set[str]:
    """Ids of the devices holding one of `values` as a string anywhere in their fields."""
    found = set()
    for device in devices:
        stack: list[object] = [device.raw]
        while stack:
            current = stack.pop()
            # `type(…) is` first: every value of every device passes here
            for value in current.values() if isinstance(current, dict) else current:  # type: ignore[union-attr]
                kind = type(value)
                if kind is str:
                    if value in values:
                        found.add(device.id)
                        stack.clear()
                        break
                elif kind is dict or kind is list or isinstance(value, dict | list):
                    stack.append(value)
    return found


def _ddi_list(flow: Flow) -> list[dict]:
    return [{"id": ddi_id, "name": number} for ddi_id, number in flow.ddis.items()]

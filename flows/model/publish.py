"""Publishing a draft, in pure Python: what it changes (devices created, changed, deleted, field by
field), the API calls that make it so, in an order that never leaves a live route pointing at a
device that is missing or half set up, and how a draft is rebased on a newer upstream list.

The Callable API has no transaction: a publish is a series of device writes, any of which can fail,
while colleagues may change the same flow. So:

- creates come first, each with its links to other new devices sent as `HANGUP` ("held back"):
  the new ids are learnt at once (from the 201s, or one listing), then the held-back links written;
- then updates of existing devices (and creation of new starts), downstream first, so a start,
  which is where calls enter, is switched last;
- then removals, devices that link to others before the devices they link to (a loop of removed
  devices is cut first).

Every write sends the whole device: fields and types nobody here understands go back byte for byte.
`rebase` takes upstream changes into a draft: devices the draft did not touch follow the upstream,
devices both sides changed are conflicts (base, theirs, mine) for the person to settle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from flows.model.devicetypes import ROUTE_START
from flows.model.draft import NEW_PREFIX, DraftState, device_hash
from flows.model.graph import Flow, parse

HANGUP = "HANGUP"
_URL_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
CREATE, UPDATE, DELETE = "create", "update", "delete"

Path = tuple[str, ...]


def _is_device(entry: object) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("id"), str) and bool(entry["id"])


def by_id(devices: Iterable) -> dict[str, dict]:
    """Device id -> device, for the entries of a list that are devices."""
    return {entry["id"]: entry for entry in devices if _is_device(entry)}


def same(one: dict | None, other: dict | None) -> bool:
    if one is None or other is None:
        return one is other
    return device_hash(one) == device_hash(other)


# Field by field


def flatten(device: dict | None, prefix: Path = (), lists: bool = False) -> dict[Path, object]:
    """Leaves of a device by path (dicts opened; lists too with `lists`, else kept whole like empty
    dicts): the fields a person changes. Paths are tuples, so a key holding a dot stays one key."""
    if device is None:
        return {}
    leaves: dict[Path, object] = {}
    items = enumerate(device) if isinstance(device, list) else device.items()
    for key, value in items:
        path = (*prefix, str(key))
        if (isinstance(value, dict) or (lists and isinstance(value, list))) and value:
            if lists and isinstance(value, list) and all(isinstance(v, str) for v in value):
                leaves[path] = value  # a list of ids or words reads best whole
            else:
                leaves.update(flatten(value, path, lists))
        else:
            leaves[path] = value
    return leaves


def unflatten(leaves: dict[Path, object]) -> dict:
    """The device again, keys in the order of the leaves."""
    device: dict = {}
    for path, value in leaves.items():
        place = device
        for key in path[:-1]:
            place = place.setdefault(key, {})
        place[path[-1]] = value
    return device


def dotted(path: Path) -> str:
    return ".".join(path)


@dataclass(frozen=True)
class FieldChange:
    path: Path
    before: object
    after: object

    @property
    def name(self) -> str:
        return dotted(self.path)


_MISSING = object()


def field_changes(before: dict | None, after: dict | None) -> list[FieldChange]:
    """Leaves that differ (list items one by one), in the order of `after` then the ones only
    `before` had."""
    old, new = flatten(before, lists=True), flatten(after, lists=True)
    found = []
    for path in [*new, *(p for p in old if p not in new)]:
        if path == ("id",):
            continue
        was, now = old.get(path, _MISSING), new.get(path, _MISSING)
        if was != now or type(was) is not type(now):
            found.append(
                FieldChange(
                    path, None if was is _MISSING else was, None if now is _MISSING else now
                )
            )
    return found


# What a publish changes


@dataclass
class DeviceChange:
    device_id: str
    action: str  # create | update | delete
    before: dict | None
    after: dict | None
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def device(self) -> dict:
        return self.after if self.after is not None else self.before or {}


def device_changes(base: list, devices: dict[str, dict]) -> list[DeviceChange]:
    """Every device the draft creates, changes or deletes, in the draft's order (deleted ones in the
    base's order, last)."""
    old = by_id(base)
    found = []
    for device_id, device in devices.items():
        before = old.get(device_id)
        if before is None:
            found.append(DeviceChange(device_id, CREATE, None, device, field_changes(None, device)))
        elif not same(before, device):
            found.append(
                DeviceChange(device_id, UPDATE, before, device, field_changes(before, device))
            )
    for device_id, before in old.items():
        if device_id not in devices:
            found.append(DeviceChange(device_id, DELETE, before, None))
    return found


# The calls, in order


@dataclass
class Call:
    """One write of a publish. `document` names new devices by their draft ids; the publisher puts
    the upstream ids in once it has learnt them."""

    step: str  # create | link | update | unlink | remove
    method: str  # POST | PUT | DELETE
    device_id: str  # the draft's id of the device
    document: dict | None = None
    held: tuple[str, ...] = ()  # link fields sent as HANGUP until their target exists


@dataclass
class Plan:
    changes: list[DeviceChange]
    calls: list[Call]

    @property
    def empty(self) -> bool:
        return not self.calls


def _targets(flow: Flow, device_id: str) -> list[str]:
    return [link.target for link in flow.outgoing(device_id) if link.kind == "device"]


def downstream_first(flow: Flow) -> list[str]:
    """Every device after the devices it links to (cycles broken where they were entered)."""
    order: list[str] = []
    seen: set[str] = set()
    for root in flow.devices:
        if root in seen:
            continue
        seen.add(root)
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(_targets(flow, root)))]
        while stack:
            device_id, targets = stack[-1]
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    stack.append((target, iter(_targets(flow, target))))
                    break
            else:
                stack.pop()
                order.append(device_id)
    return order


def replace_ids(value: object, ids: dict[str, str], path: Path = ()) -> tuple[object, list[Path]]:
    """`value` with every string equal to a key of `ids` replaced by its value, and where."""
    if isinstance(value, str):
        return (ids[value], [path]) if value in ids else (value, [])
    if isinstance(value, dict):
        places: list[Path] = []
        out = {}
        for key, item in value.items():
            if key == "id" and not path:
                out[key] = item
                continue
            out[key], found = replace_ids(item, ids, (*path, key))
            places += found
        return out, places
    if isinstance(value, list):
        places = []
        items = []
        for index, item in enumerate(value):
            new, found = replace_ids(item, ids, (*path, str(index)))
            items.append(new)
            places += found
        return items, places
    return value, []


def mentions(document: object, device_ids: set[str]) -> list[Path]:
    """Where `document` names one of `device_ids`."""
    return replace_ids(document, dict.fromkeys(device_ids, ""))[1]


def plan(base: list, devices: dict[str, dict]) -> Plan:
    changes = device_changes(base, devices)
    kinds = {change.device_id: change.action for change in changes}
    creating = {device_id for device_id, action in kinds.items() if action == CREATE}
    order = {
        device_id: n for n, device_id in enumerate(downstream_first(parse(list(devices.values()))))
    }

    def is_start(device_id: str) -> bool:
        return devices[device_id].get("type") == ROUTE_START

    calls: list[Call] = []
    made: set[str] = set()

    def write(step: str, device_id: str, held_back: list[str]) -> None:
        method = "POST" if kinds[device_id] == CREATE else "PUT"
        # while creating, every link to a new device waits: their ids are learnt all at once after
        waiting = creating if step == "create" else creating - made
        document, places = replace_ids(devices[device_id], dict.fromkeys(waiting, HANGUP))
        if method == "POST":
            made.add(device_id)
        calls.append(Call(step, method, device_id, document, tuple(dotted(p) for p in places)))
        if places:
            held_back.append(device_id)

    def links(held_back: list[str]) -> list[str]:
        """Write the held-back links whose targets now exist; the others wait."""
        later = []
        for device_id in held_back:
            if any(replace_ids(devices[device_id], {d: HANGUP for d in creating - made})[1]):
                later.append(device_id)
            else:
                calls.append(Call("link", "PUT", device_id, devices[device_id]))
        return later

    # 1. new devices that are not starts, downstream first, links to new devices held back
    held: list[str] = []
    for device_id in sorted(
        (d for d in creating if not is_start(d)), key=lambda d: order.get(d, len(order))
    ):
        write("create", device_id, held)
    held = links(held)
    # 2. changed devices and new starts, downstream first, starts last
    switching = [
        d for d, action in kinds.items() if action == UPDATE or (action == CREATE and is_start(d))
    ]
    for device_id in sorted(switching, key=lambda d: (is_start(d), order.get(d, len(order)))):
        write("update", device_id, held)
    links(held)
    # 3. removals: a device before the devices it links to; in a loop of removed devices, the
    #    links to ones removed earlier are cut first (the upstream refuses to remove a linked device)
    old = by_id(base)
    old_order = {d: n for n, d in enumerate(downstream_first(parse(list(old.values()))))}
    removing = sorted(
        (d for d, action in kinds.items() if action == DELETE), key=lambda d: -old_order.get(d, 0)
    )
    for n, device_id in enumerate(removing):
        document, places = replace_ids(old[device_id], dict.fromkeys(removing[:n], HANGUP))
        if places:
            calls.append(Call("unlink", "PUT", device_id, document, tuple(map(dotted, places))))
    for device_id in removing:
        calls.append(Call("remove", "DELETE", device_id))
    return Plan(changes, calls)


def upstream_document(document: dict, ids: dict[str, str]) -> dict:
    """A planned document as sent: new devices named by their upstream ids; a create sends no id."""
    resolved, _ = replace_ids(document, ids)
    assert isinstance(resolved, dict)
    return resolved


def match_created(sent: dict[str, dict], fresh: list[dict]) -> dict[str, str]:
    """Draft id -> upstream id for creates whose answer named no id, found among the devices that
    appeared during the publish (`fresh`): same content first, then same type and name."""
    found: dict[str, str] = {}
    pool = [entry for entry in fresh if _is_device(entry)]

    def without_id(device: dict) -> str:
        return device_hash({k: v for k, v in device.items() if k != "id"})

    for rule in (without_id, lambda d: device_hash([d.get("type"), d.get("name")])):
        for draft_id, document in sent.items():
            if draft_id in found:
                continue
            for entry in pool:
                if rule(entry) == rule(document):
                    found[draft_id] = entry["id"]
                    pool.remove(entry)
                    break
    return found


# Rebasing


@dataclass
class Triple:
    """A device both the draft and someone else changed since the draft's base (None: absent)."""

    device_id: str
    base: dict | None
    theirs: dict | None
    mine: dict | None

    @property
    def name(self) -> str:
        for device in (self.base, self.theirs, self.mine):
            if device and device.get("name"):
                return str(device["name"])
        return self.device_id


@dataclass
class Rebase:
    conflicts: list[Triple]
    taken: list[str]  # devices the upstream changed that the draft now follows


def rebase(state: DraftState, upstream: list) -> Rebase:
    """Bring `state` onto `upstream` in place. Devices the draft did not touch follow the upstream
    (new ones placed below the others); devices both sides changed keep the draft's version and the
    old base, and are returned as conflicts. Undo history is dropped when anything was taken in:
    undoing an edit made before would silently put back a colleague's old values."""
    old_base = by_id(state.base)
    theirs = by_id(upstream)
    conflicts: list[Triple] = []
    taken: list[str] = []
    new_base: list = []
    devices = dict(state.devices)
    for entry in upstream:
        if not _is_device(entry):
            new_base.append(entry)
            continue
        device_id = entry["id"]
        base, mine = old_base.get(device_id), state.devices.get(device_id)
        if same(mine, base):
            new_base.append(entry)
            if not same(mine, entry):
                devices[device_id] = entry
                taken.append(device_id)
        elif same(entry, base) or same(entry, mine):
            new_base.append(entry)
        else:
            conflicts.append(Triple(device_id, base, entry, mine))
            if base is not None:
                new_base.append(base)
    for device_id, base in old_base.items():
        if device_id in theirs:
            continue
        mine = state.devices.get(device_id)
        if same(mine, base):
            if mine is not None:
                devices.pop(device_id)
                state.positions.pop(device_id, None)
                taken.append(device_id)
        elif mine is not None:
            conflicts.append(Triple(device_id, base, None, mine))
            new_base.append(base)
    _place_newcomers(state, [d for d in devices if d not in state.positions])
    state.base = new_base
    state.devices = devices
    if taken:
        state.undo.clear()
        state.redo.clear()
    return Rebase(conflicts, taken)


def _place_newcomers(state: DraftState, device_ids: list[str]) -> None:
    if not device_ids:
        return
    xs = [x for x, _ in state.positions.values()] or [0]
    ys = [y for _, y in state.positions.values()] or [0]
    for n, device_id in enumerate(device_ids):
        state.positions[device_id] = (min(xs) + 240 * n, max(ys) + 160)


def settle(state: DraftState, triple: Triple, document: dict | None) -> None:
    """The person's answer to a conflict: the base becomes theirs, the draft's device `document`
    (None: the device is gone from the draft)."""
    rest = [e for e in state.base if not (_is_device(e) and e["id"] == triple.device_id)]
    state.base = [*rest, triple.theirs] if triple.theirs is not None else rest
    if document is None:
        state.devices.pop(triple.device_id, None)
        state.positions.pop(triple.device_id, None)
    else:
        state.devices[triple.device_id] = document


def rename(state: DraftState, ids: dict[str, str]) -> None:
    """New devices take the upstream ids publishing gave them, everywhere in the draft."""
    if not ids:
        return
    devices = {}
    for device_id, device in state.devices.items():
        renamed, _ = replace_ids(device, ids)
        assert isinstance(renamed, dict)
        if device_id in ids:
            renamed = {**renamed, "id": ids[device_id]}
        devices[ids.get(device_id, device_id)] = renamed
    state.devices = devices
    state.positions = {ids.get(k, k): v for k, v in state.positions.items()}
    state.undo.clear()
    state.redo.clear()


def record_written(state: DraftState, device_id: str, document: dict | None) -> None:
    """After a write the upstream holds `document` for the device (None: removed): that is its base
    now, so a later rebase sees our own write as nobody's change."""
    rest = [e for e in state.base if not (_is_device(e) and e["id"] == device_id)]
    state.base = [*rest, document] if document is not None else rest


def new_draft_from(devices: list, upstream: list) -> dict[str, dict]:
    """The devices of an export or a revision as a draft's devices over `upstream`: a device whose
    id the upstream has keeps it (an update); any other is a new device with a draft id, and links
    to it follow."""
    live = by_id(upstream)
    wanted = [entry for entry in devices if _is_device(entry)]
    # a draft id goes into the editor's URLs: only the characters an upstream id may have there
    renames = {
        entry["id"]: f"{NEW_PREFIX}{n + 1}-{_URL_UNSAFE.sub('', entry['id'])}"[:64].rstrip("-")
        for n, entry in enumerate(wanted)
        if entry["id"] not in live
    }
    result = {}
    for entry in wanted:
        renamed, _ = replace_ids(entry, renames)
        assert isinstance(renamed, dict)
        new_id = renames.get(entry["id"], entry["id"])
        result[new_id] = {**renamed, "id": new_id} if new_id != entry["id"] else renamed
    return result

"""A flow draft: an account's devices as the upstream had them (the base), the person's edits, where
each card sits, and the undo and redo history. Pure Python, JSON in and out: `flows.models.Draft`
stores it, `flows.views.editor` changes it, publishing compares it with the base.

Every edit is a `Change`: for each device it touches, the whole device before and after (None where
the device does not exist), and the same for positions. Undo applies `before`, redo `after`: any
sequence of edits undone returns the base, redone returns the end. A device keeps its place in the
list (the upstream's order; new devices at the end) through edits, deletion and undo.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

# devices added in a draft have ids of this form until publishing gives them upstream ids
NEW_PREFIX = "new-"
# steps of history kept, each way
HISTORY = 200

Point = tuple[int, int]


def device_hash(device: object) -> str:
    """A fingerprint of a device as the upstream sent it: equal devices, equal hashes, whatever the
    key order."""
    text = json.dumps(device, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def is_new(device_id: str) -> bool:
    return device_id.startswith(NEW_PREFIX)


@dataclass
class Change:
    """One undoable step, as it was named for the person ("Move Main menu")."""

    label: str
    # device id -> (index in the list, the whole device before, after); None: absent
    devices: dict[str, tuple[int, dict | None, dict | None]] = field(default_factory=dict)
    # device id -> (position before, after); None: no position
    positions: dict[str, tuple[Point | None, Point | None]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return all(before == after for _, before, after in self.devices.values()) and all(
            before == after for before, after in self.positions.values()
        )

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "devices": {key: list(value) for key, value in self.devices.items()},
            "positions": {
                key: [list(p) if p else None for p in value]
                for key, value in self.positions.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict) -> Change:
        return cls(
            data["label"],
            {key: (value[0], value[1], value[2]) for key, value in data["devices"].items()},
            {
                key: tuple(tuple(p) if p else None for p in value)  # type: ignore[misc]
                for key, value in data["positions"].items()
            },
        )


@dataclass
class DraftState:
    """The draft's working copy: devices by id in list order, positions, history."""

    base: list[dict]  # the upstream device list when the draft began (or was last rebased)
    devices: dict[str, dict]
    positions: dict[str, Point]
    undo: list[Change] = field(default_factory=list)
    redo: list[Change] = field(default_factory=list)

    @classmethod
    def start(cls, upstream: list, positions: dict[str, Point]) -> DraftState:
        """A new draft of these upstream devices (entries that are not devices with a string id
        stay in the base, untouched, and are not edited)."""
        devices = {
            entry["id"]: entry
            for entry in upstream
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]
        }
        return cls(list(upstream), devices, dict(positions))

    def commit(self, change: Change) -> Change | None:
        """Apply a new edit; it clears what could be redone. An edit that changes nothing is not
        kept (returns None)."""
        if change.empty:
            return None
        self._apply(change, after=True)
        self.undo.append(change)
        del self.undo[:-HISTORY]
        self.redo.clear()
        return change

    def step_back(self) -> Change | None:
        if not self.undo:
            return None
        change = self.undo.pop()
        self._apply(change, after=False)
        self.redo.append(change)
        return change

    def step_forward(self) -> Change | None:
        if not self.redo:
            return None
        change = self.redo.pop()
        self._apply(change, after=True)
        self.undo.append(change)
        return change

    def _apply(self, change: Change, after: bool) -> None:
        order = list(self.devices)
        for device_id, (index, before, later) in change.devices.items():
            wanted = later if after else before
            if device_id in self.devices:
                order.remove(device_id)
            if wanted is not None:
                order.insert(min(index, len(order)), device_id)
                self.devices[device_id] = wanted
            else:
                self.devices.pop(device_id, None)
        self.devices = {device_id: self.devices[device_id] for device_id in order}
        for device_id, (before, later) in change.positions.items():
            wanted = later if after else before
            if wanted is None:
                self.positions.pop(device_id, None)
            else:
                self.positions[device_id] = wanted

    def index_of(self, device_id: str) -> int:
        """Where the device is (or would go, at the end) in the list."""
        for index, key in enumerate(self.devices):
            if key == device_id:
                return index
        return len(self.devices)

    def base_hashes(self) -> dict[str, str]:
        return {
            entry["id"]: device_hash(entry)
            for entry in self.base
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
        }

    def device_list(self) -> list:
        """The draft's devices as a device list, with the base's entries that are not devices
        (kept where they were: they are findings, never edited)."""
        odd = [e for e in self.base if not (isinstance(e, dict) and isinstance(e.get("id"), str))]
        return [*self.devices.values(), *odd]

    def to_json(self) -> dict:
        return {
            "base": self.base,
            "devices": list(self.devices.values()),
            "positions": {key: list(value) for key, value in self.positions.items()},
            "undo": [change.to_json() for change in self.undo],
            "redo": [change.to_json() for change in self.redo],
        }

    @classmethod
    def from_json(cls, data: dict) -> DraftState:
        return cls(
            data["base"],
            {device["id"]: device for device in data["devices"]},
            {key: (value[0], value[1]) for key, value in data["positions"].items()},
            [Change.from_json(change) for change in data.get("undo", [])],
            [Change.from_json(change) for change in data.get("redo", [])],
        )

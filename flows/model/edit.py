"""Editing a draft: each operation reads a `DraftState` and returns the `Change` that would make
the edit (the caller commits it), or raises `EditRefused` saying why, field by field.

Devices are whole upstream objects: an edit changes only what it names and keeps every other field,
known or not, byte for byte. Form fields are named by their JSON path in the device (`name`,
`sipGateway.ringTime`, `startRoute.ddis`, `ivrMenu.options[0].digit`), as design.md's editor URLs
say. Pure Python.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence

from flows.model.devicetypes import device_type
from flows.model.draft import NEW_PREFIX, Change, DraftState, Point
from flows.model.graph import ATTACHMENT_PATHS, IDENTITY_FIELDS, is_port, is_terminal
from flows.model.layout import CARD_H, GRID, MARGIN, MAX_COORD, ROW_GAP

HANGUP = "HANGUP"
TYPE_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
NAME_CHARS = 200
# controls that reorder or hide text: a name must read as it is
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_KEY = re.compile(r"[^.\[\]]+")
_INDEX = re.compile(r"\[(\d{1,6})\]")
_TRUE = ("true", "on", "1", "yes")
_FALSE = ("false", "off", "0", "no", "")


class EditRefused(Exception):
    """The edit cannot be made; `errors` maps form fields (`raw`, `type`, `to`, a JSON path) to
    what is wrong with them."""

    def __init__(self, errors: Mapping[str, str]):
        super().__init__("; ".join(f"{key}: {value}" for key, value in errors.items()))
        self.errors = dict(errors)


class NoSuchDevice(LookupError):
    """The draft has no device of that id (a stale page, or a made-up id): a 404, not a form error."""


# reading paths


def parse_path(path: str) -> list[str | int]:
    """`ivrMenu.options[0].digit` -> ["ivrMenu", "options", 0, "digit"]; ValueError if malformed."""
    parts: list[str | int] = []
    position = 0
    while position < len(path):
        if path[position] == "[":
            match = _INDEX.match(path, position)
            if match is None or not parts:
                raise ValueError(path)
            parts.append(int(match.group(1)))
        else:
            if parts:
                if path[position] != ".":
                    raise ValueError(path)
                position += 1
            match = _KEY.match(path, position)
            if match is None:
                raise ValueError(path)
            parts.append(match.group())
        position = match.end()
    if not parts:
        raise ValueError(path)
    return parts


def leaves(device: dict) -> Iterator[tuple[str, object]]:
    """(JSON path, value) of every leaf of a device in document order: scalars, empty containers,
    and lists holding only scalars (edited as one field of repeated values)."""
    stack: list[tuple[str, object]] = [(str(key), device[key]) for key in reversed(list(device))]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict) and value:
            stack.extend((f"{path}.{key}", value[key]) for key in reversed(list(value)))
        elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
            stack.extend(
                (f"{path}[{index}]", item) for index, item in reversed(list(enumerate(value)))
            )
        else:
            yield path, value


def ports(device: dict, device_ids: Sequence[str] | set[str] = ()) -> list[tuple[str, str]]:
    """(JSON path, value) of the device's link fields, by the link rule: a string field named
    `connectTo` or `on` + capital, or holding the id of one of `device_ids`."""
    found = []
    known = set(device_ids)
    for path, value in leaves(device):
        if not isinstance(value, str) or path in IDENTITY_FIELDS or path in ATTACHMENT_PATHS:
            continue
        key = path.rsplit(".", 1)[-1]
        if is_port(key) or (value and value in known):
            found.append((path, value))
    return found


def _lookup(device: dict, parts: list[str | int]) -> tuple[object, str | int]:
    """The container holding the path's last part, and that part; KeyError if absent."""
    holder: object = device
    for part in parts[:-1]:
        holder = holder[part]  # type: ignore[index]
    last = parts[-1]
    if isinstance(holder, dict) and isinstance(last, str) and last in holder:
        return holder, last
    if isinstance(holder, list) and isinstance(last, int) and 0 <= last < len(holder):
        return holder, last
    raise KeyError(last)


# the operations


def _device(state: DraftState, device_id: str) -> dict:
    device = state.devices.get(device_id)
    if device is None:
        raise NoSuchDevice(device_id)
    return device


def _edit(state: DraftState, label: str, device_id: str, after: dict | None) -> Change:
    before = state.devices.get(device_id)
    change = Change(label, {device_id: (state.index_of(device_id), before, after)})
    if after is None:
        change.positions[device_id] = (state.positions.get(device_id), None)
    return change


def _words(device: dict) -> str:
    name = device.get("name")
    return f"“{name}”" if isinstance(name, str) and name else "the device"


def new_device_id(state: DraftState) -> str:
    while True:
        candidate = f"{NEW_PREFIX}{secrets.token_hex(4)}"
        if candidate not in state.devices:
            return candidate


def _free_extension(state: DraftState) -> str:
    """One more than the highest numeric extension in the flow: what people number by."""
    numbers = [
        int(device["extension"])
        for device in state.devices.values()
        if isinstance(device.get("extension"), str)
        and device["extension"].isdigit()
        and len(device["extension"]) < 9
    ]
    return str(max(numbers) + 1) if numbers else "600"


def _clear_links(value: object, device_ids: set[str]) -> object:
    """A copy with every link sent to HANGUP and every list emptied: the shape, not the wiring."""
    if isinstance(value, dict):
        cleared = {}
        for key, item in value.items():
            if isinstance(item, str) and (is_port(key) or item in device_ids):
                cleared[key] = HANGUP
            elif isinstance(item, list):
                cleared[key] = []
            else:
                cleared[key] = _clear_links(item, device_ids)
        return cleared
    return copy.deepcopy(value)


def _settings_for(state: DraftState, type_name: str) -> tuple[str | None, dict]:
    kind = device_type(type_name)
    if kind.documented:
        return kind.settings_key, kind.new_settings()
    # a type the account already uses: the settings of one of them, unwired
    for device in state.devices.values():
        if device.get("type") == type_name:
            for key, value in device.items():
                if key not in IDENTITY_FIELDS and isinstance(value, dict):
                    return key, _clear_links(value, set(state.devices))  # type: ignore[return-value]
    return kind.settings_key, {}


def _clean_text(field: str, value: str, limit: int = NAME_CHARS) -> str:
    if _INVISIBLE.search(value):
        raise EditRefused({field: "Remove the invisible control characters from this text."})
    if len(value) > limit:
        raise EditRefused({field: f"Keep this to {limit} characters."})
    return value


def _point(x: object, y: object) -> Point:
    try:
        fx, fy = float(x), float(y)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EditRefused({"x": "A position is two numbers."}) from None
    if (
        fx != fx
        or fy != fy
        or fx in (float("inf"), float("-inf"))
        or fy in (float("inf"), float("-inf"))
    ):
        raise EditRefused({"x": "A position is two numbers."})
    return int(min(max(fx, 0), MAX_COORD)), int(min(max(fy, 0), MAX_COORD))


def _free_spot(state: DraftState) -> Point:
    lowest = max((y for _, y in state.positions.values()), default=MARGIN - CARD_H - ROW_GAP)
    return MARGIN, -(-(lowest + CARD_H + ROW_GAP) // GRID) * GRID


def add_device(
    state: DraftState, type_name: str, name: str = "", x: object = None, y: object = None
) -> Change:
    """A new device of the type, with the table's settings (or those of one the account has),
    its links to HANGUP, at (x, y) or below the others."""
    type_name = (type_name or "").strip()
    if not TYPE_NAME.fullmatch(type_name):
        raise EditRefused(
            {"type": "Choose a device type (capital letters and _, e.g. SIP_GATEWAY)."}
        )
    kind = device_type(type_name)
    name = _clean_text("name", name.strip()) or f"New {kind.label.lower()}"
    device_id = new_device_id(state)
    settings_key, settings = _settings_for(state, type_name)
    device: dict = {
        "id": device_id,
        "type": type_name,
        "name": name,
        "extension": _free_extension(state),
    }
    if settings_key:
        device[settings_key] = settings
    where = _point(x, y) if x not in (None, "") and y not in (None, "") else _free_spot(state)
    return Change(
        f"Add {name}",
        {device_id: (len(state.devices), None, device)},
        {device_id: (None, where)},
    )


def duplicate(state: DraftState, device_id: str) -> Change:
    """A copy beside the original, same links out, its own id and extension; a start's numbers
    are not copied (a number enters the flow at one start only)."""
    original = _device(state, device_id)
    copied = copy.deepcopy(original)
    new_id = new_device_id(state)
    copied["id"] = new_id
    name = original.get("name") if isinstance(original.get("name"), str) else ""
    copied["name"] = f"{name} (copy)" if name else "Copy"
    if "extension" in original:
        copied["extension"] = _free_extension(state)
    if original.get("type") == "ROUTE_START" and isinstance(copied.get("startRoute"), dict):
        copied["startRoute"]["ddis"] = []
    x, y = state.positions.get(device_id, _free_spot(state))
    return Change(
        f"Duplicate {_words(original)}",
        {new_id: (len(state.devices), None, copied)},
        {new_id: (None, (x + GRID, y + CARD_H + GRID))},
    )


def delete(state: DraftState, device_id: str) -> Change:
    """The device goes; links into it stay, as findings, until sent elsewhere."""
    return _edit(state, f"Delete {_words(_device(state, device_id))}", device_id, None)


def send_to_hangup(state: DraftState, device_id: str, path: str) -> Change:
    return connect(state, device_id, path, HANGUP)


def connect(state: DraftState, from_id: str, port_path: str, to: str) -> Change:
    """Point the device's link field at a device (upstream or draft id) or a terminal."""
    device = _device(state, from_id)
    to = (to or "").strip()
    if to not in state.devices and not is_terminal(to):
        raise EditRefused({"to": "Choose a device of this flow, or an ending such as HANGUP."})
    try:
        parts = parse_path(port_path)
        holder, last = _lookup(device, parts)
    except (ValueError, KeyError, TypeError, IndexError):
        raise EditRefused(
            {"port": f"{_words(device).capitalize()} has no link “{port_path}”."}
        ) from None
    current = holder[last]  # type: ignore[index]
    if not isinstance(current, str) or port_path not in dict(ports(device, state.devices)):
        raise EditRefused({"port": f"“{port_path}” is not a link of {_words(device)}."})
    after = copy.deepcopy(device)
    target, key = _lookup(after, parts)
    target[key] = to  # type: ignore[index]
    target_name = state.devices[to].get("name") if to in state.devices else to
    return _edit(state, f"Connect {_words(device)} to {target_name or to}", from_id, after)


def move(state: DraftState, device_id: str, x: object, y: object) -> Change:
    device = _device(state, device_id)
    return Change(
        f"Move {_words(device)}", {}, {device_id: (state.positions.get(device_id), _point(x, y))}
    )


def arrange(state: DraftState, positions: Mapping[str, Point]) -> Change:
    """Every card where a fresh layout puts it: one step, undone as one."""
    change = Change("Arrange the flow")
    for device_id, point in positions.items():
        if device_id in state.devices and state.positions.get(device_id) != tuple(point):
            change.positions[device_id] = (state.positions.get(device_id), (point[0], point[1]))
    return change


def replace(state: DraftState, device_id: str, raw: str) -> Change:
    """The whole device from JSON text (its id stays): for any field, any type."""
    device = _device(state, device_id)
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise EditRefused({"raw": f"This is not valid JSON: {exc}"}) from None
    if not isinstance(value, dict):
        raise EditRefused({"raw": "A device is a JSON object: { … }."})
    if value.get("id", device_id) != device_id:
        raise EditRefused({"raw": "A device keeps its id; add a new device for another."})
    if not isinstance(value.get("type"), str) or not value["type"]:
        raise EditRefused({"raw": 'A device needs its type, e.g. "type": "SIP_GATEWAY".'})
    value = {"id": device_id, **{key: item for key, item in value.items() if key != "id"}}
    return _edit(state, f"Edit {_words(device)} as JSON", device_id, value)


def _coerce(path: str, current: object, values: list[str]) -> object:
    """The submitted text as the JSON type the field has now."""
    last = values[-1] if values else ""
    if isinstance(current, bool):
        if last.strip().lower() in _TRUE:
            return True
        if last.strip().lower() in _FALSE:
            return False
        raise EditRefused({path: "Choose yes or no."})
    if isinstance(current, int) or isinstance(current, float):
        text = last.strip()
        try:
            number = float(text) if isinstance(current, float) else int(text)
        except ValueError:
            kind = "a number" if isinstance(current, float) else "a whole number"
            raise EditRefused({path: f"Enter {kind}."}) from None
        if isinstance(number, float) and number != number:
            raise EditRefused({path: "Enter a number."})
        return number
    if isinstance(current, list):
        chosen = [value for value in values if value != ""]
        if (
            all(isinstance(item, int) and not isinstance(item, bool) for item in current)
            and current
        ):
            try:
                return [int(value) for value in chosen]
            except ValueError:
                raise EditRefused({path: "Enter whole numbers."}) from None
        return [_clean_text(path, value, 500) for value in dict.fromkeys(chosen)]
    if isinstance(current, dict):
        raise EditRefused({path: "Edit this group's fields one by one, or as JSON."})
    if current is None:
        if last == "":
            return None
        try:
            return json.loads(last)
        except ValueError:
            return _clean_text(path, last, 2000)
    return _clean_text(path, last, 2000)


def set_fields(state: DraftState, device_id: str, fields: Mapping[str, Sequence[str]]) -> Change:
    """Change the named fields, keep every other. `fields` maps JSON paths to the submitted values
    (a list: a field of repeated values sends each; a form sends a hidden "" first so that choosing
    none still names the field, and a hidden "false" before a checkbox, the last value winning).
    Each value takes the JSON type the field has now; `name` and `extension` may be added."""
    device = _device(state, device_id)
    after = copy.deepcopy(device)
    errors: dict[str, str] = {}
    for path, values in fields.items():
        values = [str(value) for value in values]
        if path in ("id", "type"):
            errors[path] = "Change the id or type as JSON, or add a new device."
            continue
        try:
            parts = parse_path(path)
        except ValueError:
            errors[path] = "No such field."
            continue
        try:
            holder, last = _lookup(after, parts)
            current = holder[last]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            if path in ("name", "extension"):
                holder, last, current = after, path, ""
            else:
                errors[path] = "This device has no such field."
                continue
        try:
            holder[last] = _coerce(path, current, values)  # type: ignore[index]
        except EditRefused as refused:
            errors.update(refused.errors)
    if errors:
        raise EditRefused(errors)
    return _edit(state, f"Edit {_words(device)}", device_id, after)

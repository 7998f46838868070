"""The editor's inspector: a device as form fields named by their JSON path.

The documented types (`ROUTE_START`, `SIP_GATEWAY`) get typed forms with words and pickers; every
other field, of any type, is shown from its JSON: the right input per JSON type, link fields (by
the link rule) as pickers of device names and terminals, id lists of numbers, trunks or hooks as
pickers of their names. Nothing is left out: a field that has no input of its own (a list of
numbers, a null) is shown as it is and changed through the raw JSON editor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from flows.model.devicetypes import ROUTE_START, SIP_GATEWAY
from flows.model.edit import leaves
from flows.model.graph import Flow, is_port, port_label, trunk_summary, type_label

# a documented type's form: (JSON path, label, hint), in the order shown
TYPED: dict[str, tuple[tuple[str, str, str], ...]] = {
    ROUTE_START: (
        ("name", "Name", ""),
        ("extension", "Extension", ""),
        ("startRoute.ddis", "Numbers that ring here", ""),
        ("startRoute.connectTo", "Then the call goes to", ""),
    ),
    SIP_GATEWAY: (
        ("name", "Name", ""),
        ("extension", "Extension", ""),
        ("sipGateway.trunks", "Trunks it rings", "the onsite PBX these trunks reach"),
        ("sipGateway.ringTime", "Ring time", "seconds before the call counts as not answered"),
        ("sipGateway.maxCallTime", "Longest call", "seconds"),
        ("sipGateway.record", "Record calls", ""),
        ("sipGateway.present", "Caller id presented", "e.g. pass-through"),
        ("sipGateway.countryCode", "Country code", "e.g. GB"),
        ("sipGateway.onComplete", "When answered, then", ""),
        ("sipGateway.onNoAnswer", "When not answered", ""),
        ("sipGateway.onBusy", "When busy", ""),
        ("sipGateway.onFail", "When it fails", ""),
    ),
}

# fields a device is known by: shown, never edited through fields (the raw JSON can)
FIXED_TOP = ("id", "type")

TERMINALS = ("HANGUP",)
_LAST_KEY = re.compile(r"\[\d+\]")


@dataclass
class Field:
    path: str  # the form field's name: the JSON path in the device
    label: str
    kind: str  # text | number | checkbox | port | choice | pick | strings | fixed
    value: object = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, words)
    chosen: tuple[str, ...] = ()  # what a pick or strings field holds
    hint: str = ""
    error: str = ""

    @property
    def id(self) -> str:
        return "f-" + "".join(c if c.isalnum() else "-" for c in self.path)


@dataclass
class DeviceForm:
    device: dict
    fields: list[Field]
    raw: str
    errors: dict[str, str]
    typed: bool

    @property
    def general_errors(self) -> list[str]:
        """Errors that name no field of the form (shown atop it)."""
        paths = {f.path for f in self.fields}
        return [msg for key, msg in self.errors.items() if key not in paths and key != "raw"]


def _words(key: str) -> str:
    return port_label(key).capitalize()


def _port_words(key: str) -> str:
    """A link field says where the call goes: `onTimeout` -> "On timeout, go to"."""
    return "Then go to" if key == "connectTo" else f"On {port_label(key)}, go to"


def _leaves(device: dict) -> Iterator[tuple[str, str, object]]:
    """(path, field name, value) of every field a form can show, in JSON order."""
    for path, value in leaves(device):
        yield path, _LAST_KEY.sub("", path.rsplit(".", 1)[-1]), value


class Choices:
    """What pickers offer, built once per form: devices by name, terminals, numbers, trunks,
    hooks of the account (from the draft's context: no upstream read)."""

    def __init__(self, flow: Flow, context: Mapping, device_id: str):
        devices = sorted(flow.devices.values(), key=lambda d: (d.title.casefold(), d.id))
        terminals = dict.fromkeys(TERMINALS)
        for link in flow.links:
            if link.kind == "terminal":
                terminals.setdefault(link.target)
        self.terminals = [(t, t.replace("_", " ").capitalize() + " (ends here)") for t in terminals]
        self.devices = [
            (
                d.id,
                f"{d.title} · {type_label(d.type)}" + (" (this one)" if d.id == device_id else ""),
            )
            for d in devices
        ]
        self.device_ids = set(flow.devices)
        self.ddis = [(d_id, number) for d_id, number in flow.ddis.items()]
        self.trunks = [(t_id, trunk_summary(t)) for t_id, t in flow.trunks.items()]
        self.hooks = [
            (str(h["id"]), " ".join(str(h.get(k) or "") for k in ("app", "url")).strip() or h["id"])
            for h in context.get("hooks") or ()
            if isinstance(h, dict) and isinstance(h.get("id"), str)
        ]

    def port(self, current: str) -> list[tuple[str, str]]:
        options = [*self.terminals, *self.devices]
        if current and current not in self.device_ids and current not in dict(self.terminals):
            options.insert(0, (current, f"{current} (missing device)"))
        return options

    def id_list(self, key: str, values: list) -> list[tuple[str, str]] | None:
        """Options for a list of ids of numbers, trunks or hooks; None if it is not one."""
        lowered = key.lower()
        for hint, known in (("ddi", self.ddis), ("trunk", self.trunks), ("hook", self.hooks)):
            ids = {option for option, _ in known}
            if hint in lowered or (values and known and all(v in ids for v in values)):
                extra = [(v, f"{v} (not in this account)") for v in values if v not in ids]
                return [*known, *extra]
        return None


def build(
    device: dict,
    flow: Flow,
    context: Mapping,
    posted: Mapping[str, list[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    raw: str | None = None,
) -> DeviceForm:
    """The form for a device, showing `posted` values where given (a form sent back with errors
    shows everything typed)."""
    choices = Choices(flow, context, str(device.get("id", "")))
    errors = dict(errors or {})
    found = {path: (key, value) for path, key, value in _leaves(device)}
    device_type = device.get("type") if isinstance(device.get("type"), str) else ""
    typed = TYPED.get(device_type, ())
    fields: list[Field] = []
    labels = {path: (label, hint) for path, label, hint in typed}
    order = [path for path, _, _ in typed if path in found]
    order += [path for path in found if path not in labels and path not in FIXED_TOP]
    for path in order:
        key, value = found[path]
        label, hint = labels.get(path, (_port_words(key) if is_port(key) else _words(key), ""))
        fields.append(_field(path, key, value, label, hint, choices, posted))
    for each in fields:
        each.error = errors.get(each.path, "")
    if raw is None:
        raw = json.dumps(device, indent=2, ensure_ascii=False)
    return DeviceForm(device, fields, raw, errors, bool(typed))


def _field(
    path: str,
    key: str,
    value: object,
    label: str,
    hint: str,
    choices: Choices,
    posted: Mapping[str, list[str]] | None,
) -> Field:
    sent = posted.get(path) if posted is not None else None
    if isinstance(value, bool):
        on = (sent[-1] == "true") if sent else value
        return Field(path, label, "checkbox", on, hint=hint)
    if isinstance(value, int | float):
        return Field(path, label, "number", sent[-1] if sent else value, hint=hint)
    if isinstance(value, str):
        shown = sent[-1] if sent else value
        if path not in ("name", "extension") and (is_port(key) or value in choices.device_ids):
            return Field(path, label, "port", shown, choices.port(shown), hint=hint or path)
        hooks = {option for option, _ in choices.hooks}
        if value in hooks:
            return Field(path, label, "choice", shown, choices.hooks, hint=hint or path)
        return Field(path, label, "text", shown, hint=hint)
    if isinstance(value, list) and all(
        isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)) for v in value
    ):
        value = [str(v) for v in value]
        held = tuple(v for v in (sent if sent is not None else value) if v)
        options = choices.id_list(key, list(held))
        if options is not None:
            return Field(path, label, "pick", options=options, chosen=held, hint=hint or path)
        return Field(path, label, "strings", chosen=held, hint=hint or path)
    # null, an empty object, a list of numbers or of lists: shown, changed in the raw JSON
    return Field(path, label, "fixed", json.dumps(value, ensure_ascii=False), hint=path)


def form_values(data: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """What a posted form says, by JSON path, for `edit.set_fields`."""
    return {
        path: list(sent)
        for path, sent in data.items()
        if path not in ("csrfmiddlewaretoken", "raw")
    }

"""The one table of device types: words, look, settings object, ports and a new device's settings.

Read by the graph (settings and ports of the documented types), the canvas and its legend, the
standalone SVG export, the palette and the forms, so that none of them can disagree. Types the
provider documents (`ROUTE_START`, `SIP_GATEWAY`) have typed forms; the others listed here are types
seen in real accounts that get a look of their own. Any other type is drawn plainly and edited field
by field; `device_type()` answers for it too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

ROUTE_START = "ROUTE_START"
SIP_GATEWAY = "SIP_GATEWAY"


@dataclass(frozen=True)
class DeviceType:
    name: str  # as the API spells it: "SIP_GATEWAY"
    label: str  # as people say it: "SIP gateway"
    look: str  # CSS class of its cards and legend entry
    colour: str  # on a light background
    dark_colour: str  # on a dark background
    fill: str  # a card's background in the standalone SVG export
    settings_key: str | None = None  # its settings object, "sipGateway"
    ports: tuple[str, ...] = ()  # link fields of the settings object, in the order shown
    settings: dict = field(default_factory=dict)  # a new device's settings object
    documented: bool = False  # by the provider: these have typed forms

    def new_settings(self) -> dict:
        return copy.deepcopy(self.settings)


TYPES: dict[str, DeviceType] = {
    t.name: t
    for t in (
        DeviceType(
            ROUTE_START,
            "Start",
            "t-route-start",
            "#1f8a5b",
            "#4cc38a",
            "#e8f5e9",
            "startRoute",
            ("connectTo",),
            {"ddis": [], "connectTo": "HANGUP"},
            documented=True,
        ),
        DeviceType(
            SIP_GATEWAY,
            "SIP gateway",
            "t-sip-gateway",
            "#2f5bea",
            "#6d8dff",
            "#e3f2fd",
            "sipGateway",
            ("onComplete", "onNoAnswer", "onBusy", "onFail"),
            {
                "ringTime": 180,
                "maxCallTime": 14400,
                "record": False,
                "trunks": [],
                "present": "pass-through",
                "countryCode": "GB",
                "onComplete": "HANGUP",
                "onFail": "HANGUP",
                "onNoAnswer": "HANGUP",
                "onBusy": "HANGUP",
            },
            documented=True,
        ),
        DeviceType("IVR_MENU", "IVR menu", "t-ivr-menu", "#8a3ffc", "#b38bff", "#fff8e1"),
        DeviceType("QUEUE", "Queue", "t-queue", "#c26a00", "#f0a545", "#f3e5f5"),
        DeviceType("VOICEMAIL", "Voicemail", "t-voicemail", "#b5336b", "#f06ba0", "#fce4ec"),
        DeviceType("TIME_SWITCH", "Time switch", "t-time-switch", "#0f7c8c", "#3fc1d1", "#e0f7fa"),
    )
}

# what a type not in the table looks like
OTHER = DeviceType("", "Other type", "t-unknown", "#6b7686", "#98a3b3", "#f5f5f5")


def camel(type_name: str) -> str:
    """`TIME_SWITCH` -> `timeSwitch`: where a type's settings object usually lives."""
    first, *rest = type_name.lower().split("_")
    return first + "".join(word.capitalize() for word in rest)


def device_type(type_name: str) -> DeviceType:
    """The table's entry, or one made up for a type it does not list (words from the name)."""
    if type_name in TYPES:
        return TYPES[type_name]
    label = type_name.replace("_", " ").capitalize() if type_name else "Device"
    return DeviceType(
        type_name,
        label,
        OTHER.look,
        OTHER.colour,
        OTHER.dark_colour,
        OTHER.fill,
        camel(type_name) if type_name else None,
    )


def type_label(type_name: str) -> str:
    """Words for a type: `SIP_GATEWAY` -> `SIP gateway`, `CALL_PARK` -> `Call park`."""
    return device_type(type_name).label


def looks() -> list[DeviceType]:
    """Every look the canvas draws, for legends and stylesheets: the table, then other types."""
    return [*TYPES.values(), OTHER]


def stylesheet() -> str:
    """CSS giving each look its colour (`--c`), light and dark: the page's canvas, legend and
    type counts all colour by it."""
    light = "".join(f".{t.look}{{--c:{t.colour}}}" for t in looks())
    dark = "".join(f".{t.look}{{--c:{t.dark_colour}}}" for t in looks())
    return f"{light}\n@media (prefers-color-scheme: dark){{{dark}}}\n"

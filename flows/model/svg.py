"""Server-rendered SVG of a flow: one `<g id="viewport">` holding every card, link and marker.

Every upstream value (names, ids, types, numbers) is hostile: it reaches the markup only through
`escape`, which also drops what XML cannot carry. Output is kept small (integer coordinates,
short class names, each device followed by its own links so gzip back-references its id).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from flows.model.devicetypes import device_type as device_type_of
from flows.model.devicetypes import looks
from flows.model.findings import Finding, by_device
from flows.model.graph import (
    ROUTE_START,
    SIP_GATEWAY,
    Device,
    Flow,
    Link,
    trunk_summary,
    type_label,
)
from flows.model.layout import (
    CARD_H,
    CARD_W,
    TERM_H,
    TERM_W,
    Layout,
    entry_anchor,
    port_anchor,
)

SVG_NS = "http://www.w3.org/2000/svg"

# colours for a standalone document, from the table of device types the page's canvas also
# reads; the page's own stylesheet styles the embedded canvas
STYLE = (
    "svg{background:#fafbfc}"
    "text{font:12px system-ui,-apple-system,'Segoe UI',sans-serif;fill:#1f2933}"
    ".device rect{fill:#fff;stroke-width:1.5}"
    + "".join(f".{t.look} rect{{fill:{t.fill};stroke:{t.colour}}}" for t in looks())
    + ".t-unknown rect{stroke-dasharray:5 3}"
    ".ty{font-size:10px;fill:#52606d;letter-spacing:.04em}"
    ".nm{font-weight:600}"
    ".ex,.es{font-size:11px;fill:#52606d}"
    ".link{fill:none;stroke:#7b8794;stroke-width:1.5}"
    ".link.dangling{stroke:#c62828;stroke-dasharray:4 3}"
    ".pl{font-size:10px;fill:#3e4c59}"
    ".terminal rect{fill:#eceff1;stroke:#7b8794}"
    ".missing rect{fill:#ffebee;stroke:#c62828}"
    ".terminal text,.missing text{font-size:10px}"
    ".marker{stroke:#fff;stroke-width:2}"
    ".marker.error{fill:#c62828}"
    ".marker.warning{fill:#f9a825}"
    "#ah path{fill:#7b8794}"
)

ARROWHEAD = (
    '<defs><marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
    'markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z"/></marker></defs>'
)

# characters XML 1.0 cannot carry, lone surrogates UTF-8 cannot encode, and bidi embeddings,
# overrides and isolates that would make `evil/\u202egnp.exe` read as `evil/exe.png`
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")

NAME_CHARS = 26
ESSENTIAL_CHARS = 30
TERMINAL_CHARS = 10
# above this many links on one card, port labels move halfway along their links
PORT_LABELS_AT_PORT = 5


_SPECIAL = re.compile("[&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


def escape(value: object) -> str:
    """Text or attribute value, safe in HTML and in XML."""
    text = value if isinstance(value, str) else str(value)
    # most values (ids, ports, numbers) need nothing: one scan instead of five replaces
    if _SPECIAL.search(text) is None:
        return text
    return html.escape(_UNSAFE.sub("\ufffd", text), quote=True)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NO_ATTRIBUTES: Mapping[str, object] = MappingProxyType({})


class SvgBuilder:
    """Append-only markup: element names and attribute names are ours, every value is escaped."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[str] = []

    @staticmethod
    def _attributes(attributes: Mapping[str, object]) -> str:
        markup = ""
        for name, value in attributes.items():
            if value is None:
                continue
            markup += f' {name}="{value if type(value) is int else escape(value)}"'
        return markup

    def open(self, tag: str, attributes: Mapping[str, object] = _NO_ATTRIBUTES) -> None:
        self.parts.append(f"<{tag}{self._attributes(attributes)}>")

    def close(self, tag: str) -> None:
        self.parts.append(f"</{tag}>")

    def empty(self, tag: str, attributes: Mapping[str, object] = _NO_ATTRIBUTES) -> None:
        self.parts.append(f"<{tag}{self._attributes(attributes)}/>")

    def element(
        self, tag: str, text: object, attributes: Mapping[str, object] = _NO_ATTRIBUTES
    ) -> None:
        self.parts.append(f"<{tag}{self._attributes(attributes)}>{escape(text)}</{tag}>")

    def trusted(self, markup: str) -> None:
        """Constant markup written in this module, never upstream values."""
        self.parts.append(markup)

    def markup(self) -> str:
        return "".join(self.parts)


def type_class(device_type: str) -> str:
    return device_type_of(device_type).look


def aria_label(device: Device) -> str:
    label = f"{type_label(device.type)} {device.name or 'unnamed'}"
    return f"{label}, extension {device.extension}" if device.extension else label


def essentials(flow: Flow, device: Device) -> str:
    """The one line a card has room for: numbers of a start, trunk of a gateway, menu size."""
    if device.known and device.settings is None:
        return "settings missing"
    if device.type == ROUTE_START:
        numbers = [flow.ddis.get(ddi_id, ddi_id) for ddi_id in device.ddis]
        return _first_and_more(numbers) or "no number"
    if device.type == SIP_GATEWAY:
        trunks = [
            trunk_summary(flow.trunks[trunk_id]) if trunk_id in flow.trunks else "unknown trunk"
            for trunk_id in device.trunks
        ]
        return _first_and_more(trunks) or "no trunk"
    options = device.settings.get("options") if device.settings else None
    if isinstance(options, list):
        return f"{len(options)} option{'' if len(options) == 1 else 's'}"
    return ""


def _first_and_more(values: list[str]) -> str:
    if len(values) <= 1:
        return "".join(values)
    if len(values) == 2 and len(values[0]) + len(values[1]) < ESSENTIAL_CHARS - 2:
        return f"{values[0]}, {values[1]}"
    return f"{clip(values[0], ESSENTIAL_CHARS - 8)} +{len(values) - 1} more"


def _worst(findings: Iterable[Finding]) -> str | None:
    severities = {finding.severity for finding in findings}
    for severity in ("error", "warning"):
        if severity in severities:
            return severity
    return None


def render(
    flow: Flow,
    layout: Layout,
    findings: Iterable[Finding] = (),
    standalone: bool = False,
    title: str = "Call flow",
) -> str:
    """The flow as SVG: an embeddable `<svg class="canvas">`, or with `standalone` a complete
    document with its own colours, fit to print or attach to a ticket."""
    concerns = by_device(list(findings))
    markers = {link: (x, y) for link, x, y in layout.terminals}
    svg = SvgBuilder()
    size = {"width": layout.width, "height": layout.height}
    view_box = f"0 0 {layout.width} {layout.height}"
    if standalone:
        svg.trusted('<?xml version="1.0" encoding="UTF-8"?>\n')
        svg.open("svg", {"xmlns": SVG_NS, **size, "viewBox": view_box})
        svg.element("title", title)
        svg.trusted(f"<style>{STYLE}</style>")
    else:
        svg.open(
            "svg",
            {
                "xmlns": SVG_NS,
                "class": "canvas",
                **size,
                "viewBox": view_box,
                "role": "group",
                "aria-label": title,
            },
        )
    svg.trusted(ARROWHEAD)
    svg.trusted('<g id="viewport" marker-end="url(#ah)">')
    # reading order keeps a link's two ends close in the text, where gzip can back-reference them
    for device_id in dict.fromkeys([*layout.order, *flow.devices]):
        if device_id in flow.devices and device_id in layout.positions:
            _device_and_links(svg, flow, layout, flow.devices[device_id], concerns, markers)
    svg.trusted("</g></svg>")
    return svg.markup()


def render_device(flow: Flow, layout: Layout, findings: Iterable[Finding], device_id: str) -> str:
    """One device's card and its outgoing links, as in `render`: a fragment to swap in place."""
    svg = SvgBuilder()
    device = flow.devices.get(device_id)
    if device is not None and device_id in layout.positions:
        markers = {link: (x, y) for link, x, y in layout.terminals if link.source == device_id}
        _device_and_links(svg, flow, layout, device, by_device(list(findings)), markers)
    return svg.markup()


def _device_and_links(
    svg: SvgBuilder,
    flow: Flow,
    layout: Layout,
    device: Device,
    concerns: Mapping[str, list[Finding]],
    markers: Mapping[Link, tuple[int, int]],
) -> None:
    x, y = layout.positions[device.id]
    frame = f"translate({x},{y})"
    _card(svg, flow, device, frame, concerns.get(device.id, ()))
    links = flow.outgoing(device.id)
    if not links:
        return
    # links are drawn in their source's frame: ports, labels and markers repeat from card to card
    svg.open("g", {"class": "out", "transform": frame})
    for slot, link in enumerate(links):
        port_y = port_anchor((0, 0), slot, len(links))[1]
        if link.kind == "device":
            target = layout.positions.get(link.target)
            end = None if target is None else entry_anchor((target[0] - x, target[1] - y))
        else:
            marker = markers.get(link)
            end = None if marker is None else (marker[0] - x, marker[1] - y + TERM_H // 2)
        if end is not None:
            _link(svg, link, port_y, end, len(links) > PORT_LABELS_AT_PORT)
    svg.close("g")


def _card(
    svg: SvgBuilder, flow: Flow, device: Device, frame: str, findings: Iterable[Finding]
) -> None:
    svg.open(
        "g",
        {
            "class": f"device {type_class(device.type)}",
            "data-device-id": device.id,
            "data-device-type": device.type,
            "tabindex": 0,
            "role": "button",
            "aria-label": aria_label(device),
            "transform": frame,
        },
    )
    svg.trusted(f'<rect width="{CARD_W}" height="{CARD_H}" rx="6"/>')
    svg.element(
        "text", clip(type_label(device.type), NAME_CHARS), {"class": "ty", "x": 10, "y": 17}
    )
    if device.extension:
        svg.element(
            "text",
            clip(device.extension, 8),
            {"class": "ex", "x": CARD_W - 10, "y": 17, "text-anchor": "end"},
        )
    svg.element(
        "text", clip(device.name or "unnamed", NAME_CHARS), {"class": "nm", "x": 10, "y": 39}
    )
    line = essentials(flow, device)
    if line:
        svg.element("text", clip(line, ESSENTIAL_CHARS), {"class": "es", "x": 10, "y": 59})
    findings = list(findings)
    severity = _worst(findings)
    if severity:
        svg.open("circle", {"class": f"marker {severity}", "cx": CARD_W - 2, "cy": 2, "r": 7})
        svg.element("title", "\n".join(finding.message for finding in findings))
        svg.close("circle")
    svg.close("g")


def _link(svg: SvgBuilder, link: Link, port_y: int, end: tuple[int, int], crowded: bool) -> None:
    """One link in its source's frame: the card is at (0, 0), `end` is where the link arrives."""
    if link.source == link.target:
        # a self link loops from its port back down into the card's top, inside the row gap
        d = f"M{CARD_W} {port_y}C{CARD_W + 40} {port_y} {CARD_W - 10} -40 {CARD_W - 40} 0"
        label_at = (CARD_W - 4, -8)
    else:
        width, rise = end[0] - CARD_W, end[1] - port_y
        reach = max(40, abs(width) // 2)
        d = f"M{CARD_W} {port_y}c{reach} 0 {width - reach} {rise} {width} {rise}"
        # a crowded edge has no room for its labels: those go halfway along their link
        label_at = (
            (CARD_W + width // 2, port_y + rise // 2 - 3) if crowded else (CARD_W + 4, port_y - 3)
        )
    nested = "[" in link.path
    svg.empty(
        "path",
        {
            "class": "link dangling" if link.kind == "dangling" else "link",
            "data-from": link.source,
            "data-to": link.target,
            "data-port": link.port,
            # only a link inside a list (a menu option) needs more than its port to be found
            "data-path": link.path if nested else None,
            "d": d,
        },
    )
    svg.element("text", link.label, {"class": "pl", "x": label_at[0], "y": label_at[1]})
    if link.kind == "device":
        return
    frame = f"translate({end[0]},{end[1] - TERM_H // 2})"
    if link.kind == "terminal":
        svg.open("g", {"class": "terminal", "data-terminal": link.target, "transform": frame})
        text = clip(link.target, TERMINAL_CHARS)
    else:
        svg.open("g", {"class": "missing", "data-missing": link.target, "transform": frame})
        text = "missing"
    svg.trusted(f'<rect width="{TERM_W}" height="{TERM_H}" rx="9"/>')
    svg.element("text", text, {"x": TERM_W // 2, "y": 13, "text-anchor": "middle"})
    svg.close("g")

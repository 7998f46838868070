"""Server-rendered SVG of a flow: `<g id="viewport">` holding two layers, `<g id="links">` (a
`<g class="out" id="links-…">` per device: its outgoing links, in absolute coordinates, and its
terminal markers) under `<g id="cards">` (a `<g class="device" id="dev-…">` per device).

Every upstream value (names, ids, types, numbers) is hostile: it reaches the markup only through
`escape`, which also drops what XML cannot carry; element ids made from device ids go through
`dom_id`, which keeps only letters, digits and hyphens. Links are orthogonal polylines from
`layout.route`, so each one can be drawn again from the layout alone (`render_fragments`).
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
    CARD_W,
    TERM_H,
    TERM_W,
    Layout,
    port_anchor,
    route,
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
    "#pt circle{fill:#7b8794}"
    ".terminal rect{fill:#eceff1;stroke:#7b8794}"
    ".missing rect{fill:#ffebee;stroke:#c62828}"
    ".terminal text,.missing text{font-size:10px}"
    ".marker{stroke:#fff;stroke-width:2}"
    ".marker.error{fill:#c62828}"
    ".marker.warning{fill:#f9a825}"
    "#ah path{fill:#7b8794}"
)

# the arrowhead at a link's end, and the dot of the port it leaves from
ARROWHEAD = (
    '<defs><marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
    'markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z"/></marker>'
    '<marker id="pt" viewBox="0 0 6 6" refX="3" refY="3" markerWidth="4" markerHeight="4">'
    '<circle cx="3" cy="3" r="3"/></marker></defs>'
)

# characters XML 1.0 cannot carry, lone surrogates UTF-8 cannot encode, and bidi embeddings,
# overrides and isolates that would make `evil/\u202egnp.exe` read as `evil/exe.png`
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)

NAME_CHARS = 26
ESSENTIAL_CHARS = 30
TERMINAL_CHARS = 9
PORT_CHARS = 28


_SPECIAL = re.compile(
    "[&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)


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


_PLAIN_ID = re.compile("[A-Za-z0-9-]+")


def dom_id(device_id: str) -> str:
    """An element id made from a device id: letters, digits and hyphens as they are, anything
    else as `_<hex>_`, so two device ids never give one element id and no id needs escaping."""
    if _PLAIN_ID.fullmatch(device_id):
        return device_id
    return "".join(
        c if c.isascii() and (c.isalnum() or c == "-") else f"_{ord(c):x}_" for c in device_id
    )


def reading_order(flow: Flow, layout: Layout) -> list[str]:
    """The devices drawn, in reading order: Tab goes from a start along its calls, and gzip finds
    ids close together."""
    return [
        device_id
        for device_id in dict.fromkeys([*layout.order, *flow.devices])
        if device_id in flow.devices and device_id in layout.positions
    ]


# Room around the first start's band that the canvas may show on opening, in drawing units.
# flow.js `entries` frames that band whole at a zoom up to 1 (centred: a 2,100-pixel stage, a
# 2560-wide screen less the side panel, shows ~300 units either side of a band that fits), or
# shows its left end at the readable zoom 0.7 (the stage's ~3,000 units to the right, ~1,600
# high around the start). The rest follows within a second of the first paint.
OPENING_LEFT, OPENING_RIGHT, OPENING_UP, OPENING_DOWN = 400, 3600, 1800, 1800


def opening(layout: Layout) -> tuple[int, int, int, int] | None:
    """The part of the drawing the canvas can show when it opens (left, top, right, bottom), or
    None when there is no band to open on (the canvas then opens on the whole flow)."""
    if not layout.bands:
        return None
    left, top, _right, bottom = layout.bands[0]
    middle = (top + bottom) // 2
    return (
        left - OPENING_LEFT,
        middle - OPENING_UP,
        left + OPENING_RIGHT,
        middle + OPENING_DOWN,
    )


def split_at_opening(flow: Flow, layout: Layout) -> tuple[list[str], list[str]]:
    """The devices in reading order, split into those whose card the canvas can show on opening
    and the rest: a big drawing is sent in these two parts, the first with the page."""
    order = reading_order(flow, layout)
    box = opening(layout)
    if box is None:
        return order, []
    left, top, right, bottom = box
    first, rest = [], []
    for device_id in order:
        x, y = layout.positions[device_id]
        inside = (
            x < right and x + CARD_W > left and y < bottom and y + layout.height_of(device_id) > top
        )
        (first if inside else rest).append(device_id)
    return first, rest


def render(
    flow: Flow,
    layout: Layout,
    findings: Iterable[Finding] = (),
    standalone: bool = False,
    title: str = "Call flow",
    only: Iterable[str] | None = None,
    rest_url: str | None = None,
) -> str:
    """The flow as SVG: an embeddable `<svg class="canvas">`, or with `standalone` a complete
    document with its own colours, fit to print or attach to a ticket. With `only`, just those
    devices (in that order) and their links are drawn, and `rest_url` says where the canvas
    fetches the others (`render_part`)."""
    concerns = by_device(list(findings))
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
                # where the canvas opens: the first start's band
                "data-frame": _frame(layout),
                "data-rest": rest_url,
            },
        )
    svg.trusted(ARROWHEAD)
    drawn = [
        flow.devices[device_id]
        for device_id in (reading_order(flow, layout) if only is None else only)
    ]
    svg.trusted('<g id="viewport"><g id="links" marker-start="url(#pt)" marker-end="url(#ah)">')
    _layers(svg, flow, layout, drawn, concerns, '</g><g id="cards">')
    svg.trusted("</g></g></svg>")
    return svg.markup()


def _layers(
    svg: SvgBuilder,
    flow: Flow,
    layout: Layout,
    drawn: list[Device],
    concerns: Mapping[str, Iterable[Finding]],
    between: str,
) -> None:
    """Every drawn device's links group, then (after `between`, which closes the links layer and
    opens the cards') every drawn device's card: links always lie under cards."""
    for device in drawn:
        _links(svg, flow, layout, device)
    svg.trusted(between)
    for device in drawn:
        _card(svg, flow, layout, device, concerns.get(device.id, ()))


def render_part(
    flow: Flow, layout: Layout, findings: Iterable[Finding], device_ids: Iterable[str]
) -> str:
    """The part of a drawing `render(only=…)` left out: these devices' links groups, then their
    cards, each in a layer the canvas empties into its own (`<g data-layer="links">` into
    `#links`, `<g data-layer="cards">` into `#cards`), in an `<svg>` so that they parse as SVG."""
    concerns = by_device(list(findings))
    drawn = [flow.devices[device_id] for device_id in device_ids]
    svg = SvgBuilder()
    svg.trusted(f'<svg xmlns="{SVG_NS}"><g data-layer="links">')
    _layers(svg, flow, layout, drawn, concerns, '</g><g data-layer="cards">')
    svg.trusted("</g></svg>")
    return svg.markup()


def _frame(layout: Layout) -> str | None:
    if not layout.bands:
        return None
    left, top, right, bottom = layout.bands[0]
    return f"{left} {top} {right - left} {bottom - top}"


def render_fragments(
    flow: Flow,
    layout: Layout,
    findings: Iterable[Finding],
    device_ids: Iterable[str],
    oob: bool = False,
) -> str:
    """The cards of these devices and every link touching them, as `render` draws them: for each
    device its `<g class="device" id="dev-…">`, then the `<g class="out" id="links-…">` of each
    device with a link out of or into one of them. Ids are `dom_id`s, stable across renders, so
    each element can replace its namesake in the page; `oob` marks each with
    `hx-swap-oob="true"`. SVG elements must reach the page inside an `<svg>` to be parsed as SVG."""
    concerns = by_device(list(findings))
    wanted = [device_id for device_id in dict.fromkeys(device_ids) if device_id in flow.devices]
    sources = dict.fromkeys(wanted)
    for device_id in wanted:
        for link in flow.incoming(device_id):
            sources[link.source] = None
    swap = {"hx-swap-oob": "true"} if oob else _NO_ATTRIBUTES
    svg = SvgBuilder()
    for device_id in wanted:
        if device_id in layout.positions:
            _card(svg, flow, layout, flow.devices[device_id], concerns.get(device_id, ()), swap)
    for device_id in sources:
        if device_id in flow.devices and device_id in layout.positions:
            _links(svg, flow, layout, flow.devices[device_id], swap)
    return svg.markup()


def render_device(flow: Flow, layout: Layout, findings: Iterable[Finding], device_id: str) -> str:
    """One device's card and every link touching it: `render_fragments` for one device."""
    return render_fragments(flow, layout, findings, [device_id])


def _links(
    svg: SvgBuilder,
    flow: Flow,
    layout: Layout,
    device: Device,
    extra: Mapping[str, object] = _NO_ATTRIBUTES,
) -> None:
    """A device's outgoing links, in slot order, each followed by its marker if it ends at a
    terminal or nowhere. Always drawn, even empty, so that a fragment can replace it."""
    svg.open("g", {"class": "out", "id": f"links-{dom_id(device.id)}", **extra})
    links = flow.outgoing(device.id)
    for slot, link in enumerate(links):
        if link.kind == "device" and link.target not in layout.positions:
            continue
        corners = route(layout, link, slot, len(links))
        _link(svg, link, corners)
    svg.close("g")


def _card(
    svg: SvgBuilder,
    flow: Flow,
    layout: Layout,
    device: Device,
    findings: Iterable[Finding],
    extra: Mapping[str, object] = _NO_ATTRIBUTES,
) -> None:
    x, y = layout.positions[device.id]
    height = layout.height_of(device.id)
    svg.open(
        "g",
        {
            "class": f"device {type_class(device.type)}",
            "data-device-id": device.id,
            "data-device-type": device.type,
            "id": f"dev-{dom_id(device.id)}",
            "tabindex": 0,
            "role": "button",
            "aria-label": aria_label(device),
            "transform": f"translate({x},{y})",
            **extra,
        },
    )
    svg.trusted(f'<rect width="{CARD_W}" height="{height}" rx="6"/>')
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
        svg.element("text", clip(line, ESSENTIAL_CHARS), {"class": "es", "x": 10, "y": 57})
    findings = list(findings)
    severity = _worst(findings)
    if severity:
        svg.open("circle", {"class": f"marker {severity}", "cx": CARD_W - 2, "cy": 2, "r": 7})
        svg.element("title", "\n".join(finding.message for finding in findings))
        svg.close("circle")
    links = flow.outgoing(device.id)
    for slot, link in enumerate(links):
        # each way out is named on its own row, at the port its link leaves from
        port_y = port_anchor((0, 0), slot, len(links))[1]
        svg.element(
            "text",
            clip(link.label, PORT_CHARS),
            {"class": "pl", "x": CARD_W - 9, "y": port_y + 4, "text-anchor": "end"},
        )
    svg.close("g")


def _path(corners: list[tuple[int, int]]) -> str:
    """An orthogonal polyline as short path data: M, then relative h and v (small numbers, the
    same lane offsets again and again: fewer bytes, and gzip finds them)."""
    (x, y), *rest = corners
    d = f"M{x} {y}"
    for nx, ny in rest:
        d += f"h{nx - x}" if ny == y else f"v{ny - y}"
        x, y = nx, ny
    return d


def _link(svg: SvgBuilder, link: Link, corners: list[tuple[int, int]]) -> None:
    """One link, in absolute coordinates; a link to a terminal or nowhere ends at its marker."""
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
            "d": _path(corners),
        },
    )
    if link.kind == "device":
        return
    end_x, end_y = corners[-1]
    frame = f"translate({end_x},{end_y - TERM_H // 2})"
    if link.kind == "terminal":
        svg.open("g", {"class": "terminal", "data-terminal": link.target, "transform": frame})
        text = clip(link.target, TERMINAL_CHARS)
    else:
        svg.open("g", {"class": "missing", "data-missing": link.target, "transform": frame})
        text = "missing"
    svg.trusted(f'<rect width="{TERM_W}" height="{TERM_H}" rx="7"/>')
    svg.element("text", text, {"x": TERM_W // 2, "y": 10, "text-anchor": "middle"})
    svg.close("g")

"""HTML of the outline view, built with the escaping builder: a Django template costs hundreds
of milliseconds for a thousand nested entries, this a few."""

from __future__ import annotations

from flows.model.graph import Flow, port_label, type_label
from flows.model.outline import OutlineNode
from flows.model.svg import SvgBuilder

END_WORDS = {"terminal": "ends:", "dangling": "goes to a missing device"}


def outline_html(flow: Flow, roots: list[OutlineNode]) -> str:
    """Nested lists from each start; every device entry is a button that selects it."""
    html = SvgBuilder()
    html.open("ul", {"class": "outline", "aria-label": "Call flow outline"})
    # an explicit stack of (node, closing?) so a 2,000-device chain needs no recursion
    stack: list[tuple[OutlineNode, bool]] = [(node, False) for node in reversed(roots)]
    while stack:
        node, closing = stack.pop()
        if closing:
            html.trusted("</ul></li>" if node.children else "</li>")
            continue
        html.open("li", {"class": f"ol-{node.kind}"})
        if node.port:
            label = (
                node.link.label
                if node.link is not None and node.link.label
                else port_label(node.port)
            )
            html.element("span", label, {"class": "ol-port"})
        _entry(html, flow, node)
        stack.append((node, True))
        if node.children:
            html.trusted("<ul>")
            stack.extend((child, False) for child in reversed(node.children))
    html.close("ul")
    return html.markup()


def _entry(html: SvgBuilder, flow: Flow, node: OutlineNode) -> None:
    if node.kind == "unreachable":
        html.element("strong", "Not reachable from any start")
    elif node.kind == "terminal":
        html.element("span", f"ends: {node.target}", {"class": "ol-end"})
    elif node.kind == "dangling":
        html.element("span", f"missing device {node.target}", {"class": "ol-missing"})
    else:
        device = flow.devices[node.target]
        words = f"{type_label(device.type)} · {device.name or 'unnamed'}"
        if device.extension:
            words += f" · {device.extension}"
        if node.seen_before:
            words += " (see above)"
        html.element(
            "button",
            words,
            {
                "type": "button",
                "class": "ol-dev" + (" ref" if node.seen_before else ""),
                "data-device-id": device.id,
            },
        )

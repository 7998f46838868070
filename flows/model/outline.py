"""The flow as a nested outline, for reading without the canvas (and for screen readers).

From each start in order, links are followed depth-first in port order; a device already shown
appears again only as a reference (`seen_before`), so cycles end. Devices no start reaches follow
in a final group. Built with an explicit stack: a 2,000-device chain is as safe as a short one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.model.graph import Flow, Link

KINDS = ("device", "terminal", "dangling", "unreachable")


@dataclass(eq=False)
class OutlineNode:
    kind: str  # one of KINDS; "unreachable" is the final group, its children the orphan roots
    target: str | None  # device id, terminal name or missing id; None for the group
    port: str | None = None  # the parent's port that leads here; None for a root
    link: Link | None = None
    children: list[OutlineNode] = field(default_factory=list)
    seen_before: bool = False

    @property
    def device_id(self) -> str | None:
        return self.target if self.kind == "device" else None


def outline(flow: Flow) -> list[OutlineNode]:
    """One tree per start, in order, then the group of devices no start reaches (if any)."""
    shown: set[str] = set()
    roots = [_expand(flow, start_id, shown) for start_id in flow.starts]
    orphans = [device_id for device_id in flow.devices if device_id not in flow.reachable]
    if orphans:
        orphan_set = set(orphans)
        called = {
            link.target
            for device_id in orphans
            for link in flow.outgoing(device_id)
            if link.kind == "device" and link.target in orphan_set and link.target != device_id
        }
        group = OutlineNode("unreachable", None)
        # devices nothing else calls first, then whatever a cycle left unshown
        for device_id in [d for d in orphans if d not in called] + orphans:
            if device_id not in shown:
                group.children.append(_expand(flow, device_id, shown))
        roots.append(group)
    return roots


def _expand(flow: Flow, device_id: str, shown: set[str]) -> OutlineNode:
    root = OutlineNode("device", device_id, seen_before=device_id in shown)
    if root.seen_before:
        return root
    shown.add(device_id)
    work = [(root, iter(flow.outgoing(device_id)))]
    while work:
        parent, links = work[-1]
        link = next(links, None)
        if link is None:
            work.pop()
            continue
        if link.kind != "device":
            parent.children.append(OutlineNode(link.kind, link.target, link.port, link))
            continue
        child = OutlineNode(
            "device", link.target, link.port, link, seen_before=link.target in shown
        )
        parent.children.append(child)
        if not child.seen_before:
            shown.add(link.target)
            work.append((child, iter(flow.outgoing(link.target))))
    return root

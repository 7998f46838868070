"""Deterministic layered layout of a flow, a band per entry point, bands packed into a grid.

A band is a start and the devices it reaches that no earlier start (in start order) reached;
devices no start reaches make bands of their own at the end, one per root. Each band is laid out
left to right, its start in its first column: layers are longest paths from the band's root over
the band's links that remain once the back edges of an iterative depth-first search are set
aside, order within a layer comes from a few barycentre sweeps, and each card then sits level with
its callers where the layer has room. The bands' rectangles are then packed in band order into
rows ("shelves"), a row wrapping at a width chosen to keep the whole drawing near a landscape
screen's 16:10; links between bands are drawn like any other. Terminals are not shared nodes:
each link to a terminal (and each dangling link) gets a small marker right after its source card.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from flows.model.graph import Flow, Link

CARD_W = 200
CARD_H = 72
# between layers: terminal markers, their port labels and the link curves live here
LAYER_GAP = 160
ROW_GAP = 24
BAND_GAP = 72
MARGIN = 24
TERM_W = 72
TERM_H = 18
# from a card's right edge to its terminal markers: room for the port label
TERM_DX = 64
TERM_PITCH = 24
SWEEPS = 4
# every card top is on this grid, so cards line up across layers
GRID = 24
# the screen shape the whole drawing is packed for (width / height), and the row widths tried (as
# multiples of the width a perfect packing would need); the first of equally good ones wins
ASPECT = 1.6
ROW_WIDTHS = (1.0, 0.8, 0.9, 1.1, 1.25, 1.4, 1.6)
# pinned positions are clamped here: an editor never needs a canvas wider than this
MAX_COORD = 1_000_000


@dataclass(eq=False)
class Layout:
    """Top-left corners, in whole pixels: a card per device, a marker per terminal or dangling
    link (`link.kind` tells which); `width` and `height` enclose them all with a margin."""

    positions: dict[str, tuple[int, int]]
    terminals: list[tuple[Link, int, int]]
    width: int
    height: int
    # device id -> column within its band, as computed (pinned devices keep theirs)
    layers: dict[str, int] = field(default_factory=dict)
    # depth-first reading order, starts first: linked devices sit close together in it
    order: list[str] = field(default_factory=list)


def port_anchor(position: tuple[int, int], slot: int, count: int) -> tuple[int, int]:
    """Where the slot-th of a card's `count` outgoing links leaves its right edge."""
    x, y = position
    return x + CARD_W, y + (slot + 1) * CARD_H // (count + 1)


def entry_anchor(position: tuple[int, int]) -> tuple[int, int]:
    """Where links arrive: the middle of the card's left edge."""
    x, y = position
    return x, y + CARD_H // 2


def layout(flow: Flow, pinned: Mapping[str, object] | None = None) -> Layout:
    """Place every device of the flow. `pinned` maps device ids to saved positions, as `(x, y)`
    or `{"x": x, "y": y}`; those override the computed ones (garbage pins are ignored)."""
    ids = list(flow.devices)
    count = len(ids)
    index = {device_id: position for position, device_id in enumerate(ids)}
    successors: list[list[int]] = [[] for _ in range(count)]
    markers = [0] * count
    for link in flow.links:
        source = index[link.source]
        if link.kind == "device":
            target = index[link.target]
            if target != source:
                successors[source].append(target)
        else:
            markers[source] += 1
    successors = [list(dict.fromkeys(targets)) for targets in successors]
    heights = [_snap_up(max(CARD_H, _marker_column(n))) for n in markers]

    # a band per start, in start order: the start and what it reaches that no earlier start did
    band_of = [-1] * count
    is_start = [False] * count
    starts = [index[start_id] for start_id in flow.starts]
    for start in starts:
        is_start[start] = True
    bands: list[tuple[int, list[int]]] = []
    for start in starts:
        bands.append((start, _claim(start, successors, band_of, is_start, len(bands))))
    # then a band per root of the devices no start reaches
    unreached = [node for node in range(count) if band_of[node] == -1]
    for root in _orphan_roots(unreached, successors, band_of):
        if band_of[root] == -1:
            bands.append((root, _claim(root, successors, band_of, is_start, len(bands))))

    layer_of = [0] * count
    top = [0.0] * count
    visited = [0] * count
    reading: list[int] = []
    sizes: list[tuple[int, int]] = []
    for band, (root, members) in enumerate(bands):
        layers, callers = _layers(
            root, members, successors, band_of, band, visited, layer_of, reading
        )
        band_height = _place(layers, callers, heights, top, 0)
        band_width = max(
            layer_of[node] * (CARD_W + LAYER_GAP)
            + CARD_W
            + (TERM_DX + TERM_W if markers[node] else 0)
            for node in members
        )
        sizes.append((band_width, band_height))
    corners = _pack(sizes)

    positions: dict[str, tuple[int, int]] = {}
    for node, device_id in enumerate(ids):
        band_x, band_y = corners[band_of[node]]
        positions[device_id] = (
            MARGIN + band_x + layer_of[node] * (CARD_W + LAYER_GAP),
            MARGIN + band_y + int(top[node]),
        )
    for device_id, point in (pinned or {}).items():
        if device_id in positions and (fixed := _point(point)) is not None:
            positions[device_id] = fixed

    terminals: list[tuple[Link, int, int]] = []
    width = height = 2 * MARGIN
    for device_id, (x, y) in positions.items():
        width = max(width, x + CARD_W + MARGIN)
        height = max(height, y + CARD_H + MARGIN)
        ends = [link for link in flow.outgoing(device_id) if link.kind != "device"]
        if not ends:
            continue
        marker_x = x + CARD_W + TERM_DX
        marker_y = y + max(0, (CARD_H - _marker_column(len(ends))) // 2)
        for slot, link in enumerate(ends):
            terminals.append((link, marker_x, marker_y + slot * TERM_PITCH))
        width = max(width, marker_x + TERM_W + MARGIN)
        height = max(height, marker_y + _marker_column(len(ends)) + MARGIN)
    layers = {device_id: layer_of[node] for node, device_id in enumerate(ids)}
    return Layout(positions, terminals, width, height, layers, [ids[node] for node in reading])


def _snap_up(length: int) -> int:
    return -(-length // GRID) * GRID


def _marker_column(count: int) -> int:
    return count * TERM_PITCH - (TERM_PITCH - TERM_H) if count else 0


def _point(point: object) -> tuple[int, int] | None:
    if isinstance(point, Mapping):
        point = (point.get("x"), point.get("y"))
    if not isinstance(point, list | tuple) or len(point) != 2:
        return None
    coordinates = []
    for value in point:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not math.isfinite(value):
            return None
        coordinates.append(int(min(max(value, 0), MAX_COORD)))
    return coordinates[0], coordinates[1]


def _claim(
    root: int, successors: list[list[int]], band_of: list[int], is_start: list[bool], band: int
) -> list[int]:
    """Give `band` the root and every unclaimed device it reaches without passing another start
    (each start heads its own band). Returns them, root first."""
    band_of[root] = band
    members = [root]
    for node in members:
        for target in successors[node]:
            if band_of[target] == -1 and not is_start[target]:
                band_of[target] = band
                members.append(target)
    return members


def _orphan_roots(
    unreached: list[int], successors: list[list[int]], band_of: list[int]
) -> list[int]:
    """Roots of the devices no start reaches: those no other such device links to, then the rest in
    order (each claims what it reaches, so a cycle is entered at its first unclaimed device)."""
    has_caller = set()
    for node in unreached:
        for target in successors[node]:
            if band_of[target] == -1 and target != node:
                has_caller.add(target)
    return [node for node in unreached if node not in has_caller] + unreached


def _layers(
    root: int,
    members: list[int],
    successors: list[list[int]],
    band_of: list[int],
    band: int,
    visited: list[int],
    layer_of: list[int],
    preorder: list[int],
) -> tuple[list[list[int]], dict[int, list[int]]]:
    """Layer the band: longest path over the edges left once DFS back edges are set aside.
    Appends the band's devices to `preorder` in depth-first order."""
    first = len(preorder)
    postorder: list[int] = []
    forward: dict[int, list[int]] = {}
    visited[root] = 1
    preorder.append(root)
    work = [(root, iter(successors[root]))]
    while work:
        node, targets = work[-1]
        for target in targets:
            # a band's own links only; links into its root never pull it out of the first column
            if band_of[target] != band:
                continue
            state = visited[target]
            if state == 1:
                continue
            forward.setdefault(node, []).append(target)
            if state == 0:
                visited[target] = 1
                preorder.append(target)
                work.append((target, iter(successors[target])))
                break
        else:
            work.pop()
            visited[node] = 2
            postorder.append(node)
    for node in members:
        layer_of[node] = 0
    for node in reversed(postorder):
        depth = layer_of[node] + 1
        for target in forward.get(node, ()):
            if layer_of[target] < depth:
                layer_of[target] = depth
    band_order = preorder[first:]
    layer_count = max((layer_of[node] for node in band_order), default=-1) + 1
    layers: list[list[int]] = [[] for _ in range(layer_count)]
    for node in band_order:
        layers[layer_of[node]].append(node)
    callers: dict[int, list[int]] = {}
    for node, targets in forward.items():
        for target in targets:
            callers.setdefault(target, []).append(node)
    _sweep(layers, callers, forward)
    return layers, callers


def _sweep(
    layers: list[list[int]], callers: dict[int, list[int]], forward: dict[int, list[int]]
) -> None:
    """Barycentre crossing reduction: alternate down and up sweeps, stable sorts throughout."""
    rank: dict[int, float] = {}
    for layer in layers:
        for position, node in enumerate(layer):
            rank[node] = position
    for sweep in range(SWEEPS):
        downward = sweep % 2 == 0
        neighbours = callers if downward else forward
        order = range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1)
        for layer_index in order:
            layer = layers[layer_index]
            if len(layer) < 2:
                continue
            centre: dict[int, float] = {}
            for node in layer:
                others = neighbours.get(node)
                centre[node] = (
                    sum(rank[other] for other in others) / len(others) if others else rank[node]
                )
            layer.sort(key=centre.__getitem__)
            for position, node in enumerate(layer):
                rank[node] = position


def _place(
    layers: list[list[int]],
    callers: dict[int, list[int]],
    heights: list[int],
    top: list[float],
    band_top: int,
) -> int:
    """Vertical positions: each card level with the mean of its callers, as the layer allows.
    Returns the bottom of the band."""
    lowest = math.inf
    for layer in layers:
        wanted: list[float | None] = []
        for node in layer:
            above = callers.get(node)
            if above:
                wanted.append(sum(top[caller] for caller in above) / len(above))
            else:
                wanted.append(None)
        placed = _resolve(wanted, [heights[node] for node in layer])
        for node, y in zip(layer, placed, strict=True):
            top[node] = y
            lowest = min(lowest, y)
    shift = band_top - lowest if lowest != math.inf else 0
    bottom = band_top
    for layer in layers:
        for node in layer:
            # on the grid: floor keeps every gap, since heights and gaps are whole grid steps
            top[node] = math.floor((top[node] + shift - band_top) / GRID) * GRID + band_top
            bottom = max(bottom, top[node] + heights[node])
    return bottom


def _resolve(wanted: list[float | None], heights: list[int]) -> list[float]:
    """Tops as close to the wanted ones as order and ROW_GAP allow: the mean of a push-down and a
    push-up pass, which keeps the order and the gaps of both."""
    count = len(wanted)
    down = [0.0] * count
    floor = -math.inf
    for position in range(count):
        want = wanted[position]
        if want is None:
            want = floor if floor != -math.inf else 0.0
        down[position] = max(want, floor)
        floor = down[position] + heights[position] + ROW_GAP
    up = [0.0] * count
    ceiling = math.inf
    for position in range(count - 1, -1, -1):
        want = wanted[position]
        if want is None:
            want = down[position]
        up[position] = min(want, ceiling - heights[position])
        ceiling = up[position] - ROW_GAP
    placed = [(a + b) / 2 for a, b in zip(down, up, strict=True)]
    for position in range(1, count):
        placed[position] = max(
            placed[position], placed[position - 1] + heights[position - 1] + ROW_GAP
        )
    return placed


def _pack(sizes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Top-left corners for rectangles of these (width, height), in order, in rows left to right
    with BAND_GAP between them: of a few row widths (never under the widest rectangle), the one
    whose packing is drawn largest when fitted to an ASPECT screen. Rows are grid steps apart, so
    cards stay on the grid."""
    if not sizes:
        return []
    widest = max(width for width, _ in sizes)
    area = sum((width + BAND_GAP) * (height + BAND_GAP) for width, height in sizes)
    ideal = math.sqrt(area * ASPECT)
    best: list[tuple[int, int]] = []
    best_score = math.inf
    for factor in ROW_WIDTHS:
        corners, width, height = _shelves(sizes, max(widest, ideal * factor))
        # the side of the ASPECT screen it fits: fitted to a screen, smaller is drawn larger
        score = max(width / ASPECT, height)
        if score < best_score - 1e-9:
            best, best_score = corners, score
    return best


def _shelves(
    sizes: list[tuple[int, int]], row_width: float
) -> tuple[list[tuple[int, int]], int, int]:
    """Shelf packing: a new row when the next rectangle would end past `row_width`."""
    corners: list[tuple[int, int]] = []
    x = y = row_height = width = 0
    for band_width, band_height in sizes:
        if x and x + band_width > row_width:
            y += _snap_up(row_height) + BAND_GAP
            x = row_height = 0
        corners.append((x, y))
        width = max(width, x + band_width)
        row_height = max(row_height, band_height)
        x += band_width + BAND_GAP
    return corners, width, y + row_height

"""Deterministic layered layout of a flow, left to right: starts in the first column.

Layers are longest paths from the starts over the links that remain once the back edges of an
iterative depth-first search are set aside; devices no start reaches get their own band below,
layered from their own roots. Terminals are not shared nodes: each link to a terminal (and each
dangling link) gets a small marker right after its source card. Order within a layer comes from
a few barycentre sweeps; each card then sits level with its callers where the layer has room.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from flows.graph import Flow, Link

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
    # device id -> column, as computed (pinned devices keep theirs)
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

    is_start = [False] * count
    starts = [index[start_id] for start_id in flow.starts]
    for start in starts:
        is_start[start] = True
    reachable = flow.reachable
    in_band_a = [device_id in reachable for device_id in ids]

    layer_of = [0] * count
    top = [0.0] * count
    visited = [0] * count
    reading: list[int] = []
    bottom = MARGIN - BAND_GAP
    for band, roots in (
        (in_band_a, starts),
        ([not flag for flag in in_band_a], None),
    ):
        members = [node for node in range(count) if band[node]]
        if not members:
            continue
        if roots is None:
            roots = _orphan_roots(members, successors, band)
        layers, callers = _layers(
            roots, members, successors, band, is_start, visited, layer_of, reading
        )
        bottom = _place(layers, callers, heights, top, bottom + BAND_GAP)

    positions: dict[str, tuple[int, int]] = {}
    for node, device_id in enumerate(ids):
        positions[device_id] = (MARGIN + layer_of[node] * (CARD_W + LAYER_GAP), int(top[node]))
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


def _orphan_roots(members: list[int], successors: list[list[int]], band: list[bool]) -> list[int]:
    """Roots of the unreachable band: devices nothing in the band links to, then the rest in order
    (the depth-first search skips those already placed, so a cycle is entered at its first device)."""
    has_caller = set()
    for node in members:
        for target in successors[node]:
            if band[target] and target != node:
                has_caller.add(target)
    return [node for node in members if node not in has_caller] + members


def _layers(
    roots: list[int],
    members: list[int],
    successors: list[list[int]],
    band: list[bool],
    is_start: list[bool],
    visited: list[int],
    layer_of: list[int],
    preorder: list[int],
) -> tuple[list[list[int]], dict[int, list[int]]]:
    """Layer the band: longest path over the edges left once DFS back edges are set aside.
    Appends the band's devices to `preorder` in depth-first order."""
    first = len(preorder)
    postorder: list[int] = []
    forward: dict[int, list[int]] = {}
    for root in roots:
        if visited[root]:
            continue
        visited[root] = 1
        preorder.append(root)
        work = [(root, iter(successors[root]))]
        while work:
            node, targets = work[-1]
            for target in targets:
                # links into a start never pull it out of the first column
                if not band[target] or is_start[target]:
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

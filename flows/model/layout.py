"""Deterministic layered layout of a flow, a band per entry point, bands packed into a grid.

A band is a start and the devices it reaches that no earlier start (in start order) reached;
devices no start reaches make bands of their own at the end, one per root. Each band is laid out
left to right, its start in its first column: layers are longest paths from the band's root over
the band's links that remain once the back edges of an iterative depth-first search are set
aside, order within a layer comes from a few barycentre sweeps, and each card then sits level with
its callers where the layer has room. The bands' rectangles are then packed in band order into
rows ("shelves"), a row wrapping at a width chosen to keep the whole drawing near a landscape
screen's 16:10. Terminals are not shared nodes: each link to a terminal (and each dangling link)
gets a small marker right after its port.

A card lists its ports (one row per outgoing link, labelled inside the card), so it grows with
them. `route` draws each link orthogonally in the free space the layout leaves: the channel right
of its source's column, the channel left of its target's, the gap under a band, the gaps between
shelf rows and the left and top margins. It needs only the layout, never the other links.

The editor asks again after each change, so a layout can start from the one before it: `layout(…,
previous=…)` lays out again only the bands whose devices or links changed, and `repinned` gives
the layout of the same flow with some cards moved. Both give exactly what `layout` would.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from flows.model.graph import Flow, Link

CARD_W = 200
# the least height of a card: its type, name and one line of essentials
CARD_H = 72
# a card's port rows start under its text, one row per outgoing link
PORT_TOP = 66
PORT_PITCH = 16
# between layers: terminal markers, then the lanes where links run up and down
LAYER_GAP = 176
ROW_GAP = 24
BAND_GAP = 72
# the left and top margins are highways for links between shelf rows
MARGIN = 64
TERM_W = 60
TERM_H = 14
# from a card's right edge to its terminal markers, level with their ports
TERM_DX = 12
# vertical lanes start after the markers; LANES of them, LANE apart (also across gaps)
LANE_X = TERM_DX + TERM_W + 12
LANE = 7
LANES = 8
# a link's last run into its target: room for the arrowhead
ENTRY_RUN = 14
# how far a link keeps from a card it passes
CLEARANCE = 6
SWEEPS = 4
# every card top is on this grid, so cards line up across layers
GRID = 24
# the screen shape the whole drawing is packed for (width / height), and the row widths tried (as
# multiples of the width a perfect packing would need); the first of equally good ones wins
ASPECT = 1.6
ROW_WIDTHS = (1.0, 0.8, 0.9, 1.1, 1.25, 1.4, 1.6)
# pinned positions are clamped here: an editor never needs a canvas wider than this
MAX_COORD = 1_000_000


@dataclass(frozen=True, slots=True)
class BandPlaces:
    """One band laid out on its own: each member's column and top, its depth-first order, and
    the band's size. It depends only on the band's members, their heights and their links
    within the band."""

    layers: tuple[int, ...]
    tops: tuple[float, ...]
    order: tuple[str, ...]
    width: int
    height: int


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
    # device id -> its card's height (it grows with its ports)
    heights: dict[str, int] = field(default_factory=dict)
    # device id -> its band; each band's (left, top, right, bottom); each band's shelf row; each
    # shelf row's (top, bottom): the free space links are routed through
    band_of: dict[str, int] = field(default_factory=dict)
    bands: list[tuple[int, int, int, int]] = field(default_factory=list)
    row_of: list[int] = field(default_factory=list)
    rows: list[tuple[int, int]] = field(default_factory=list)
    # (band, column) -> its cards as (top, bottom), by top: what a run across columns must miss
    columns: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)
    # where each card would be without its pin; each band laid out, by what it depends on (the
    # ids, heights and links within the band), for the next layout of an edited flow
    computed: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)
    laid_bands: dict[tuple, BandPlaces] = field(default_factory=dict, repr=False)
    # the bands' sizes and how they were packed (before the margins): the same sizes, the same
    packed: tuple[list, tuple] = field(default_factory=lambda: ([], ([], [], [])), repr=False)

    def height_of(self, device_id: str) -> int:
        return self.heights.get(device_id, CARD_H)


def card_height(ports: int) -> int:
    """A card's height for this many outgoing links: its text, then a row per port."""
    return _snap_up(max(CARD_H, PORT_TOP + ports * PORT_PITCH + 4)) if ports else CARD_H


def port_anchor(position: tuple[int, int], slot: int, count: int) -> tuple[int, int]:
    """Where the slot-th of a card's `count` outgoing links leaves its right edge: its row."""
    x, y = position
    return x + CARD_W, y + PORT_TOP + slot * PORT_PITCH + 7


def entry_anchor(position: tuple[int, int], height: int = CARD_H) -> tuple[int, int]:
    """Where links arrive: the middle of the card's left edge."""
    x, y = position
    return x, y + height // 2


def layout(
    flow: Flow, pinned: Mapping[str, object] | None = None, previous: Layout | None = None
) -> Layout:
    """Place every device of the flow. `pinned` maps device ids to saved positions, as `(x, y)`
    or `{"x": x, "y": y}`; those override the computed ones (garbage pins are ignored).
    `previous`, a layout of an earlier version of the flow, lends the bands that did not change."""
    ids = list(flow.devices)
    count = len(ids)
    index = {device_id: position for position, device_id in enumerate(ids)}
    successors: list[list[int]] = [[] for _ in range(count)]
    ports = [0] * count
    markers = [0] * count
    for link in flow.links:
        source = index[link.source]
        ports[source] += 1
        if link.kind == "device":
            target = index[link.target]
            if target != source:
                successors[source].append(target)
        else:
            markers[source] += 1
    successors = [list(dict.fromkeys(targets)) for targets in successors]
    heights = [card_height(n) for n in ports]

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
    lent = previous.laid_bands if previous is not None else {}
    laid: dict[tuple, BandPlaces] = {}
    for band, (root, members) in enumerate(bands):
        key = (
            tuple([ids[node] for node in members]),
            tuple([heights[node] for node in members]),
            tuple(
                [
                    tuple([ids[target] for target in successors[node] if band_of[target] == band])
                    for node in members
                ]
            ),
        )
        places = lent.get(key)
        if places is None:
            first = len(reading)
            layers, callers = _layers(
                root, members, successors, band_of, band, visited, layer_of, reading
            )
            band_height = _place(layers, callers, heights, top, 0)
            band_width = max(
                layer_of[node] * (CARD_W + LAYER_GAP) + CARD_W + LANE_X + LANES * LANE
                for node in members
            )
            places = BandPlaces(
                tuple(layer_of[node] for node in members),
                tuple(top[node] for node in members),
                tuple(ids[node] for node in reading[first:]),
                band_width,
                band_height,
            )
        else:
            for node, column, place in zip(members, places.layers, places.tops, strict=True):
                layer_of[node] = column
                top[node] = place
            reading.extend(index[device_id] for device_id in places.order)
        laid[key] = places
        sizes.append((places.width, places.height))
    if previous is not None and previous.packed[0] == sizes:
        packing = previous.packed[1]
    else:
        packing = _pack(sizes)
    corners, row_of, rows = packing

    positions: dict[str, tuple[int, int]] = {}
    for node, device_id in enumerate(ids):
        band_x, band_y = corners[band_of[node]]
        positions[device_id] = (
            MARGIN + band_x + layer_of[node] * (CARD_W + LAYER_GAP),
            MARGIN + band_y + int(top[node]),
        )
    computed = dict(positions)
    for device_id, point in (pinned or {}).items():
        if device_id in positions and (fixed := _point(point)) is not None:
            positions[device_id] = fixed

    bands = [
        (MARGIN + x, MARGIN + y, MARGIN + x + w, MARGIN + y + h)
        for (x, y), (w, h) in zip(corners, sizes, strict=True)
    ]
    rows = [(MARGIN + top_, MARGIN + bottom) for top_, bottom in rows]
    terminals: list[tuple[Link, int, int]] = []
    columns: dict[tuple[int, int], list[tuple[int, int]]] = {}
    width = height = 2 * MARGIN
    # a card's right edge, its markers and lanes, then the margin
    reach = CARD_W + LANE_X + LANES * LANE + MARGIN
    for node, device_id in enumerate(ids):
        x, y = positions[device_id]
        card_h = heights[node]
        columns.setdefault((band_of[node], layer_of[node]), []).append((y, y + card_h))
        if x + reach > width:
            width = x + reach
        if y + card_h + MARGIN > height:
            height = y + card_h + MARGIN
        if not markers[node]:
            continue
        # each marker level with its port (`port_anchor`), the ports a row apart
        marker_y = y + PORT_TOP + 7 - TERM_H // 2
        for slot, link in enumerate(flow.outgoing(device_id)):
            if link.kind != "device":
                terminals.append((link, x + CARD_W + TERM_DX, marker_y + slot * PORT_PITCH))
    for cards in columns.values():
        cards.sort()
    # room under the last row for the links that run beneath it
    height = max(height, (rows[-1][1] if rows else 0) + BAND_GAP)
    return Layout(
        positions,
        terminals,
        width,
        height,
        {device_id: layer_of[node] for node, device_id in enumerate(ids)},
        [ids[node] for node in reading],
        {device_id: heights[node] for node, device_id in enumerate(ids)},
        {device_id: band_of[node] for node, device_id in enumerate(ids)},
        bands,
        row_of,
        rows,
        columns,
        computed,
        laid,
        (sizes, packing),
    )


def repinned(
    placed: Layout, flow: Flow, pinned: Mapping[str, object], device_ids: Iterable[str]
) -> Layout:
    """`layout(flow, pinned)` where `placed` is `layout(flow, pins)` for the same flow and pins
    that differ only for `device_ids` (cards moved): the moved cards, their columns' cards and
    their markers change, the bands and columns stay."""
    positions = dict(placed.positions)
    shift: dict[str, tuple[int, int]] = {}
    columns = dict(placed.columns)
    for device_id in dict.fromkeys(device_ids):
        if device_id not in positions:
            continue
        point = _point(pinned[device_id]) if device_id in pinned else None
        new = point if point is not None else placed.computed[device_id]
        old = positions[device_id]
        if new == old:
            continue
        positions[device_id] = new
        shift[device_id] = (new[0] - old[0], new[1] - old[1])
        height = placed.height_of(device_id)
        column = (placed.band_of[device_id], placed.layers[device_id])
        cards = list(columns[column])
        cards.remove((old[1], old[1] + height))
        insort(cards, (new[1], new[1] + height))
        columns[column] = cards
    if not shift:
        return placed
    terminals = [
        (link, x + shift[link.source][0], y + shift[link.source][1])
        if link.source in shift
        else (link, x, y)
        for link, x, y in placed.terminals
    ]
    width = height = 2 * MARGIN
    heights = placed.heights
    reach = CARD_W + LANE_X + LANES * LANE + MARGIN
    for device_id, (x, y) in positions.items():
        if x + reach > width:
            width = x + reach
        if y + heights.get(device_id, CARD_H) + MARGIN > height:
            height = y + heights.get(device_id, CARD_H) + MARGIN
    height = max(height, (placed.rows[-1][1] if placed.rows else 0) + BAND_GAP)
    return replace(
        placed,
        positions=positions,
        terminals=terminals,
        width=width,
        height=height,
        columns=columns,
    )


def _snap_up(length: int) -> int:
    return -(-length // GRID) * GRID


def _point(point: object) -> tuple[int, int] | None:
    # the common case, a draft's own pins: a pair of ints in range, kept as it is
    if type(point) is tuple and len(point) == 2:
        x, y = point
        if type(x) is int and type(y) is int and 0 <= x <= MAX_COORD and 0 <= y <= MAX_COORD:
            return point
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


def _pack(
    sizes: list[tuple[int, int]],
) -> tuple[list[tuple[int, int]], list[int], list[tuple[int, int]]]:
    """Top-left corners for rectangles of these (width, height), in order, in rows left to right
    with BAND_GAP between them: of a few row widths (never under the widest rectangle), the one
    whose packing is drawn largest when fitted to an ASPECT screen. Rows are grid steps apart, so
    cards stay on the grid. Also each rectangle's row, and each row's (top, bottom)."""
    if not sizes:
        return [], [], []
    widest = max(width for width, _ in sizes)
    area = sum((width + BAND_GAP) * (height + BAND_GAP) for width, height in sizes)
    ideal = math.sqrt(area * ASPECT)
    best: tuple[list[tuple[int, int]], list[int], list[tuple[int, int]]] = ([], [], [])
    best_score = math.inf
    for factor in ROW_WIDTHS:
        packed, width, height = _shelves(sizes, max(widest, ideal * factor))
        # the side of the ASPECT screen it fits: fitted to a screen, smaller is drawn larger
        score = max(width / ASPECT, height)
        if score < best_score - 1e-9:
            best, best_score = packed, score
    return best


def _shelves(
    sizes: list[tuple[int, int]], row_width: float
) -> tuple[tuple[list[tuple[int, int]], list[int], list[tuple[int, int]]], int, int]:
    """Shelf packing: a new row when the next rectangle would end past `row_width`."""
    corners: list[tuple[int, int]] = []
    row_of: list[int] = []
    rows: list[tuple[int, int]] = []
    x = y = row_height = width = 0
    for band_width, band_height in sizes:
        if x and x + band_width > row_width:
            rows.append((y, y + row_height))
            y += _snap_up(row_height) + BAND_GAP
            x = row_height = 0
        corners.append((x, y))
        row_of.append(len(rows))
        width = max(width, x + band_width)
        row_height = max(row_height, band_height)
        x += band_width + BAND_GAP
    rows.append((y, y + row_height))
    return (corners, row_of, rows), width, y + row_height


def route(layout: Layout, link: Link, slot: int, count: int) -> list[tuple[int, int]]:
    """The corners of a link, drawn orthogonally from its port (the slot-th of `count` on its
    card) to its target's entry, or to its marker. It runs only through space the layout keeps
    free of cards, so it never passes under one; it depends on the layout alone."""
    sx, sy = layout.positions[link.source]
    px, py = port_anchor((sx, sy), slot, count)
    if link.kind != "device":
        return [(px, py), (px + TERM_DX, py)]
    tx, ty = layout.positions[link.target]
    ex, ey = entry_anchor((tx, ty), layout.height_of(link.target))
    # a lane per port row, so that links leaving one card, or neighbours, run side by side
    lane = (slot + sy // GRID) % LANES
    x1 = sx + CARD_W + LANE_X + lane * LANE
    x2 = ex - ENTRY_RUN - (lane % 4) * LANE
    start = (px, py)
    if link.target == link.source:
        # over the card, through the gap above it, and back into its left edge
        y = sy - ROW_GAP // 2
        return _corners(start, x1, y, x2, ey, ex)
    source_band = layout.band_of.get(link.source, -1)
    target_band = layout.band_of.get(link.target, -2)
    if source_band == target_band:
        from_column = layout.layers.get(link.source, 0)
        to_column = layout.layers.get(link.target, 0)
        if to_column == from_column + 1 and x1 <= x2:
            return _compact([start, (x1, py), (x1, ey), (ex, ey)])
        crossed = (
            range(from_column + 1, to_column)
            if to_column > from_column
            else range(to_column, from_column + 1)
        )
        gap = ROW_GAP // 2
        source_bottom = sy + layout.height_of(link.source)
        target_bottom = ty + layout.height_of(link.target)
        for y in (ey, py, sy - gap, source_bottom + gap, ty - gap, target_bottom + gap):
            if _clear(layout, source_band, crossed, y):
                return _corners(start, x1, y, x2, ey, ex)
        # under the whole band: nothing is drawn there
        y = layout.bands[source_band][3] + 10 + lane * 6
        return _corners(start, x1, y, x2, ey, ex)
    source_row = layout.row_of[source_band] if 0 <= source_band < len(layout.row_of) else 0
    target_row = layout.row_of[target_band] if 0 <= target_band < len(layout.row_of) else 0
    if not layout.rows:
        return _corners(start, x1, py, x2, ey, ex)
    below = layout.rows[source_row][1] + 10 + lane * 6
    if target_row in (source_row, source_row + 1):
        # along the gap under the source's row, which is also the gap above the next row
        return _corners(start, x1, below, x2, ey, ex)
    above = layout.rows[source_row][0] - 10 - lane * 6
    if target_row == source_row - 1:
        return _corners(start, x1, above, x2, ey, ex)
    # rows apart: down to the gap under the source's row, along it to the left margin, up or
    # down the margin to the gap above the target's row, and along that to the target
    margin_x = 6 + (lane % 4) * LANE
    above = layout.rows[target_row][0] - 10 - lane * 6
    return _compact(
        [
            start,
            (x1, py),
            (x1, below),
            (margin_x, below),
            (margin_x, above),
            (x2, above),
            (x2, ey),
            (ex, ey),
        ]
    )


def _corners(
    start: tuple[int, int], x1: int, y: int, x2: int, ey: int, ex: int
) -> list[tuple[int, int]]:
    return _compact([start, (x1, start[1]), (x1, y), (x2, y), (x2, ey), (ex, ey)])


def _compact(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Without repeated points and without corners that are not (three in a line)."""
    kept: list[tuple[int, int]] = []
    for point in points:
        if kept and kept[-1] == point:
            continue
        if len(kept) >= 2:
            (ax, ay), (bx, by) = kept[-2], kept[-1]
            if (ax == bx == point[0]) or (ay == by == point[1]):
                kept[-1] = point
                continue
        kept.append(point)
    return kept


def _clear(layout: Layout, band: int, columns: range, y: int) -> bool:
    """Whether a run at height y crosses these columns of the band without touching a card."""
    for column in columns:
        cards = layout.columns.get((band, column))
        if not cards:
            continue
        at = bisect_right(cards, (y + CLEARANCE, math.inf)) - 1
        if at >= 0 and cards[at][1] + CLEARANCE >= y:
            return False
    return True

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from flows.model.graph import parse
from flows.model.layout import (
    BAND_GAP,
    CARD_H,
    CARD_W,
    GRID,
    LAYER_GAP,
    MARGIN,
    TERM_DX,
    TERM_H,
    TERM_W,
    layout,
)
from tests.flows.builders import (
    darren_devices,
    dean_devices,
    device_lists,
    gateway,
    menu,
    other,
    start,
)
from tests.flows.synthetic import make_devices

COLUMN = CARD_W + LAYER_GAP


def overlaps(a, b, a_size, b_size):
    (ax, ay), (bx, by) = a, b
    return (
        ax < bx + b_size[0] and bx < ax + a_size[0] and ay < by + b_size[1] and by < ay + a_size[1]
    )


def assert_sound(flow, placed):
    """Every device placed once, on whole finite coordinates, no two cards or markers overlapping."""
    assert set(placed.positions) == set(flow.devices)
    cards = list(placed.positions.values())
    for x, y in cards:
        assert isinstance(x, int) and isinstance(y, int)
        assert math.isfinite(x) and math.isfinite(y) and x >= 0 and y >= 0
        assert x + CARD_W <= placed.width and y + CARD_H <= placed.height
    for i, a in enumerate(cards):
        for b in cards[i + 1 :]:
            assert not overlaps(a, b, (CARD_W, CARD_H), (CARD_W, CARD_H)), (a, b)
    markers = [(x, y) for _, x, y in placed.terminals]
    for marker in markers:
        assert marker[0] + TERM_W <= placed.width and marker[1] + TERM_H <= placed.height
        for card in cards:
            assert not overlaps(marker, card, (TERM_W, TERM_H), (CARD_W, CARD_H))
    for i, a in enumerate(markers):
        for b in markers[i + 1 :]:
            assert not overlaps(a, b, (TERM_W, TERM_H), (TERM_W, TERM_H)), (a, b)


@settings(max_examples=300, deadline=None)
@given(device_lists)
def test_any_device_list_lays_out_soundly_and_deterministically(devices):
    flow = parse(devices)

    placed = layout(flow)

    assert_sound(flow, placed)
    again = layout(parse(devices))
    assert (again.positions, again.width, again.height) == (
        placed.positions,
        placed.width,
        placed.height,
    )
    assert [(link, x, y) for link, x, y in again.terminals] == placed.terminals
    ends = [link for link in flow.links if link.kind != "device"]
    assert sorted(map(repr, (link for link, _, _ in placed.terminals))) == sorted(map(repr, ends))


def test_a_synthetic_account_lays_out_soundly():
    devices, ddis, trunks = make_devices(300, seed=4)
    flow = parse(devices, ddis, trunks)

    assert_sound(flow, layout(flow))


def test_starts_take_the_first_column_and_every_forward_link_goes_right():
    flow = parse(dean_devices())

    placed = layout(flow)

    assert placed.positions["dean-start"][0] == MARGIN
    assert placed.layers == {
        "dean-start": 0,
        "dean-menu": 1,
        "dean-dispatch": 2,
        "dean-queue": 3,
        "dean-voicemail": 4,
    }
    for device_id, layer in placed.layers.items():
        assert placed.positions[device_id][0] == MARGIN + layer * COLUMN


def test_back_edges_of_a_cycle_are_set_aside_so_the_cycle_still_reads_left_to_right():
    devices = [
        start("s", ["n"], "a"),
        other("a", "QUEUE", "queue", onTimeout="b"),
        other("b", "QUEUE", "queue", onTimeout="c"),
        other("c", "QUEUE", "queue", onTimeout="a"),
    ]

    placed = layout(parse(devices))

    assert [placed.layers[d] for d in "sabc"] == [0, 1, 2, 3]


def test_a_link_into_a_start_does_not_move_it_out_of_the_first_column():
    devices = [
        start("s1", ["n"], "q"),
        other("q", "QUEUE", "queue", onTimeout="s2"),
        start("s2", ["m"], "HANGUP"),
    ]

    placed = layout(parse(devices))

    assert placed.layers["s1"] == placed.layers["s2"] == 0


def test_devices_no_call_reaches_are_laid_out_below_from_their_own_roots():
    devices = [
        *dean_devices(),
        other("orphan-b", "VOICEMAIL", "voicemail", connectTo="HANGUP"),
        other("orphan-a", "QUEUE", "queue", onTimeout="orphan-b"),
    ]

    placed = layout(parse(devices))

    reachable_bottom = max(placed.positions[d["id"]][1] for d in dean_devices()) + CARD_H
    assert placed.positions["orphan-a"][1] > reachable_bottom
    assert placed.layers["orphan-a"] == 0 and placed.layers["orphan-b"] == 1
    assert placed.order[-2:] == ["orphan-a", "orphan-b"]


def test_each_terminal_link_gets_its_own_marker_right_after_its_card():
    devices = [start("s", ["n"], "g"), gateway("g")] + [gateway(f"g{i}") for i in range(300)]
    flow = parse(devices)

    placed = layout(flow)

    markers = [(link, x, y) for link, x, y in placed.terminals if link.source == "g"]
    assert [link.port for link, _, _ in markers] == ["onComplete", "onNoAnswer", "onBusy", "onFail"]
    gx, gy = placed.positions["g"]
    for _, x, y in markers:
        assert x == gx + CARD_W + TERM_DX
        # level with its port's row on the card
        assert gy + CARD_H - TERM_H < y < gy + placed.height_of("g") - TERM_H
    assert len(placed.terminals) == 4 * 301
    assert len({(x, y) for _, x, y in placed.terminals}) == 4 * 301


def test_barycentre_sweeps_untangle_crossing_links():
    # depth-first order puts x above y in the fourth column, though m2 (below m1) calls x
    # and m1 calls y too: the sweep must swap them (one start, so all of it is one band)
    devices = [
        start("s", ["n"], "r"),
        menu("r", [(1, "m1"), (2, "m2")]),
        menu("m1", [(1, "x"), (2, "y")]),
        menu("m2", [(1, "x")]),
        other("x", "VOICEMAIL", "voicemail"),
        other("y", "VOICEMAIL", "voicemail"),
    ]

    placed = layout(parse(devices))

    assert placed.layers["x"] == placed.layers["y"] == 3
    assert placed.positions["m1"][1] < placed.positions["m2"][1]
    assert placed.positions["y"][1] < placed.positions["x"][1]


def test_pinned_positions_override_computed_ones_and_garbage_pins_are_ignored():
    flow = parse(darren_devices())
    computed = layout(flow)
    gateway_id, start_id = list(flow.devices)

    placed = layout(
        flow, {gateway_id: (900.7, 40), start_id: {"x": -5, "y": 12}, "unknown": (1, 1)}
    )

    assert placed.positions[gateway_id] == (900, 40)
    assert placed.positions[start_id] == (0, 12)
    assert placed.width >= 900 + CARD_W
    # the terminal markers follow their pinned card
    assert {x for _, x, _ in placed.terminals} == {900 + CARD_W + TERM_DX}
    for garbage in ((math.nan, 1), ("1", 2), (1,), None, {"x": 1}, (True, 2), (math.inf, 0)):
        assert layout(flow, {gateway_id: garbage}).positions == computed.positions


def test_an_empty_flow_is_an_empty_canvas():
    placed = layout(parse([]))

    assert placed.positions == {} and placed.terminals == []
    assert placed.width > 0 and placed.height > 0


def test_a_two_thousand_device_chain_does_not_recurse():
    devices = [start("s", ["n"], "q0")] + [
        other(f"q{i}", "QUEUE", "queue", onTimeout=f"q{i + 1}" if i < 1999 else "HANGUP")
        for i in range(2000)
    ]

    placed = layout(parse(devices))

    assert placed.layers["q1999"] == 2000


@st.composite
def random_graphs(draw):
    """Device lists of random shape: any device may be a start, link anywhere, end in HANGUP."""
    count = draw(st.integers(1, 40))
    ids = [f"d{i}" for i in range(count)]
    devices = []
    for device_id in ids:
        targets = draw(st.lists(st.sampled_from(ids), max_size=4))
        if draw(st.integers(0, 3)) == 0:
            devices.append(start(device_id, ["n"], targets[0] if targets else "HANGUP"))
        else:
            ends = {"onTimeout": "HANGUP"} if draw(st.booleans()) else {}
            devices.append(menu(device_id, list(enumerate(targets, 1)), **ends))
    return devices


@settings(max_examples=200, deadline=None)
@given(random_graphs())
def test_no_two_cards_overlap_in_any_band_of_a_random_graph(devices):
    flow = parse(devices)

    placed = layout(flow)

    assert_sound(flow, placed)
    cards = sorted(placed.positions.values())
    # sorted by x: only cards starting less than a card width to the right can overlap
    for i, (ax, ay) in enumerate(cards):
        for bx, by in cards[i + 1 :]:
            if bx >= ax + CARD_W:
                break
            assert not (ay < by + CARD_H and by < ay + CARD_H), ((ax, ay), (bx, by))
    for _, y in cards:
        assert (y - MARGIN) % GRID == 0
    again = layout(parse(devices))
    assert (again.positions, again.terminals, again.order) == (
        placed.positions,
        placed.terminals,
        placed.order,
    )
    for start_id in flow.starts:
        assert placed.layers[start_id] == 0


def test_each_start_heads_its_own_band_and_a_shared_device_stays_with_the_first():
    devices = [
        start("s1", ["n1"], "a"),
        other("a", "QUEUE", "queue", onTimeout="shared"),
        other("shared", "VOICEMAIL", "voicemail", connectTo="HANGUP"),
        start("s2", ["n2"], "shared"),
    ]

    placed = layout(parse(devices))

    assert placed.layers == {"s1": 0, "a": 1, "shared": 2, "s2": 0}
    s1_x, s1_y = placed.positions["s1"]
    assert (s1_x, s1_y) == (MARGIN, MARGIN)
    assert placed.positions["shared"] == (MARGIN + 2 * COLUMN, MARGIN)
    # s2's band is apart from s1's, not stacked in s1's first column
    s2_x, s2_y = placed.positions["s2"]
    assert s2_y >= MARGIN + CARD_H + BAND_GAP or s2_x >= MARGIN + 2 * COLUMN + CARD_W + BAND_GAP
    assert placed.order == ["s1", "a", "shared", "s2"]


def test_small_flows_keep_the_shape_they_had():
    # as laid out before bands were packed: one band, where it always was
    dean = layout(parse(dean_devices()))
    assert dean.positions == {
        "dean-start": (MARGIN, MARGIN),
        "dean-menu": (MARGIN + COLUMN, MARGIN),
        "dean-dispatch": (MARGIN + 2 * COLUMN, MARGIN),
        "dean-queue": (MARGIN + 3 * COLUMN, MARGIN),
        "dean-voicemail": (MARGIN + 4 * COLUMN, MARGIN),
    }
    assert (dean.width, dean.height) == (1972, 280)
    darren = layout(parse(darren_devices()))
    gateway_id, start_id = list(darren.positions)
    assert darren.positions == {gateway_id: (MARGIN + COLUMN, MARGIN), start_id: (MARGIN, MARGIN)}
    assert (darren.width, darren.height) == (844, 280)


def test_bands_of_a_large_flow_are_packed_into_a_landscape_grid():
    for size in (300, 1000):
        flow = parse(*make_devices(size, seed=1))

        placed = layout(flow)

        assert 1.0 <= placed.width / placed.height <= 2.6, (size, placed.width, placed.height)
        # the bands sit side by side: starts are not all in one column
        assert len({placed.positions[start_id][0] for start_id in flow.starts}) > 1


def test_many_unconnected_devices_are_packed_not_stacked():
    devices = [start("s", ["n"], "HANGUP")] + [
        other(f"q{i}", "QUEUE", "queue", onTimeout="HANGUP") for i in range(100)
    ]

    placed = layout(parse(devices))

    assert 1.0 <= placed.width / placed.height <= 2.6
    assert_sound(parse(devices), placed)

"""Links drawn as people can trust them: from their port, to their target's entry with room for the
arrowhead, never under or through a card, whatever the flow; port labels on their own card rows."""

import pytest
from hypothesis import given, settings

from flows.model.graph import parse
from flows.model.layout import (
    CARD_W,
    ENTRY_RUN,
    PORT_PITCH,
    TERM_DX,
    TERM_H,
    TERM_W,
    entry_anchor,
    layout,
    port_anchor,
    route,
)
from sandbox import seed
from tests.flows.builders import device_lists, menu, start
from tests.flows.synthetic import make_devices
from tests.flows.test_layout import random_graphs

BUCKET = 400


def cards_by_bucket(placed):
    """Every card, and every terminal marker with the words it carries, by column of the page."""
    buckets = {}
    rects = [
        (device_id, (x, y, x + CARD_W, y + placed.height_of(device_id)))
        for device_id, (x, y) in placed.positions.items()
    ]
    rects += [(link, (x, y, x + TERM_W, y + TERM_H)) for link, x, y in placed.terminals]
    for name, rect in rects:
        for bx in range(rect[0] // BUCKET, rect[2] // BUCKET + 1):
            buckets.setdefault(bx, []).append((name, rect))
    return buckets


def crossings(segment, buckets):
    """Cards and markers whose inside the segment enters (running along an edge is not)."""
    (ax, ay), (bx, by) = segment
    left, right, top, bottom = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
    hit = set()
    for bucket in range(left // BUCKET, right // BUCKET + 1):
        for device_id, (x0, y0, x1, y1) in buckets.get(bucket, ()):
            if left < x1 and right > x0 and top < y1 and bottom > y0:
                hit.add(device_id)
    return hit


def assert_links_trustworthy(flow, placed):
    buckets = cards_by_bucket(placed)
    for device_id in flow.devices:
        links = flow.outgoing(device_id)
        for slot, link in enumerate(links):
            corners = route(placed, link, slot, len(links))
            assert corners[0] == port_anchor(placed.positions[device_id], slot, len(links))
            for (ax, ay), (bx, by) in zip(corners, corners[1:], strict=False):
                assert ax == bx or ay == by, (link, corners)  # orthogonal
            for segment in zip(corners, corners[1:], strict=False):
                assert not crossings(segment, buckets), (link, corners, crossings(segment, buckets))
            if link.kind == "device":
                target = placed.positions[link.target]
                assert corners[-1] == entry_anchor(target, placed.height_of(link.target))
                # the last run comes from the left, long enough to show the arrowhead
                (lx, ly), (ex, ey) = corners[-2], corners[-1]
                assert ly == ey and ex - lx >= ENTRY_RUN, (link, corners)
            else:
                assert corners[-1][0] == corners[0][0] + TERM_DX
        # every port has its own row inside its card: port labels cannot meet
        rows = [port_anchor((0, 0), slot, len(links))[1] for slot in range(len(links))]
        assert all(b - a == PORT_PITCH for a, b in zip(rows, rows[1:], strict=False))
        assert not rows or rows[-1] + PORT_PITCH // 2 <= placed.height_of(device_id)


def test_deans_menu_options_end_at_three_different_cards():
    flow = parse(seed._dean()["devices"])
    placed = layout(flow)
    [main] = [d for d in flow.devices.values() if d.name == "Main menu"]
    links = flow.outgoing(main.id)

    ends = {
        link.label: route(placed, link, slot, len(links))[-1]
        for slot, link in enumerate(links)
        if link.label.startswith("press")
    }

    assert set(ends) == {"press 1", "press 2", "press 0"}
    assert len(set(ends.values())) == 3
    assert_links_trustworthy(flow, placed)


@pytest.mark.parametrize("account", ["dean", "brightline"])
def test_the_seeded_flows_are_drawn_without_a_link_under_a_card(account):
    flow = parse(getattr(seed, f"_{account}")()["devices"])
    assert_links_trustworthy(flow, layout(flow))


@pytest.mark.parametrize("size", [100, 1000])
def test_synthetic_flows_are_drawn_without_a_link_under_a_card(size):
    flow = parse(*make_devices(size, seed=3))
    assert_links_trustworthy(flow, layout(flow))


def test_a_self_link_goes_round_its_card_and_back_into_it():
    flow = parse([start("s", ["n"], "m"), menu("m", [(1, "m")], onNoMatch="m")])
    placed = layout(flow)
    assert_links_trustworthy(flow, placed)
    corners = route(placed, flow.outgoing("m")[0], 0, 2)
    assert min(y for _, y in corners) < placed.positions["m"][1]


@settings(max_examples=150, deadline=None)
@given(random_graphs())
def test_no_link_of_a_random_graph_passes_under_a_card(devices):
    flow = parse(devices)
    assert_links_trustworthy(flow, layout(flow))


@settings(max_examples=150, deadline=None)
@given(device_lists)
def test_no_link_of_any_device_list_passes_under_a_card(devices):
    flow = parse(devices)
    assert_links_trustworthy(flow, layout(flow))

from collections.abc import Iterator

from hypothesis import given, settings

from flows.model.graph import parse
from flows.model.outline import OutlineNode, outline
from tests.flows.builders import darren_devices, dean_devices, device_lists, other, start


def walk(nodes: list[OutlineNode]) -> Iterator[tuple[int, OutlineNode]]:
    """(depth, node) in reading order."""
    stack = [(0, node) for node in reversed(nodes)]
    while stack:
        depth, node = stack.pop()
        yield depth, node
        stack.extend((depth + 1, child) for child in reversed(node.children))


def shape(nodes):
    """Each node as (depth, kind, target, port, seen_before), in reading order."""
    return [
        (depth, node.kind, node.target, node.port, node.seen_before) for depth, node in walk(nodes)
    ]


def test_the_pages_flow_reads_start_then_gateway_then_its_four_hangups():
    gateway_id = darren_devices()[0]["id"]
    start_id = darren_devices()[1]["id"]

    assert shape(outline(parse(darren_devices()))) == [
        (0, "device", start_id, None, False),
        (1, "device", gateway_id, "connectTo", False),
        (2, "terminal", "HANGUP", "onComplete", False),
        (2, "terminal", "HANGUP", "onNoAnswer", False),
        (2, "terminal", "HANGUP", "onBusy", False),
        (2, "terminal", "HANGUP", "onFail", False),
    ]


def test_devices_already_shown_appear_as_references_and_cycles_end():
    assert shape(outline(parse(dean_devices()))) == [
        (0, "device", "dean-start", None, False),
        (1, "device", "dean-menu", "connectTo", False),
        (2, "device", "dean-dispatch", "connectTo", False),
        (3, "terminal", "HANGUP", "onComplete", False),
        (3, "device", "dean-voicemail", "onNoAnswer", False),
        (4, "terminal", "HANGUP", "connectTo", False),
        (3, "device", "dean-queue", "onBusy", False),
        (4, "device", "dean-voicemail", "onTimeout", True),
        (3, "terminal", "HANGUP", "onFail", False),
        (2, "device", "dean-queue", "connectTo", True),
        (2, "terminal", "HANGUP", "onTimeout", False),
        (2, "device", "dean-menu", "onNoMatch", True),
    ]


def test_references_have_no_children_and_each_device_is_expanded_once():
    roots = outline(parse(dean_devices()))

    expanded = [
        node.device_id for _, node in walk(roots) if node.kind == "device" and not node.seen_before
    ]
    assert sorted(expanded) == sorted(device["id"] for device in dean_devices())
    assert all(not node.children for _, node in walk(roots) if node.seen_before)


def test_devices_no_start_reaches_are_listed_in_a_final_group():
    devices = [
        *darren_devices(),
        other("b", "QUEUE", "queue", onTimeout="a"),
        other("a", "QUEUE", "queue", onTimeout="b"),
        other("c", "VOICEMAIL", "voicemail", connectTo="gone"),
    ]

    roots = outline(parse(devices))

    group = roots[-1]
    assert group.kind == "unreachable" and group.target is None
    # devices nothing calls come first; a cycle is entered at its first device in upstream order
    assert [(node.target, node.seen_before) for node in group.children] == [
        ("c", False),
        ("b", False),
    ]
    assert [(n.kind, n.target) for n in group.children[0].children] == [("dangling", "gone")]
    assert [(n.target, n.seen_before) for n in group.children[1].children] == [("a", False)]
    assert [(n.target, n.seen_before) for n in group.children[1].children[0].children] == [
        ("b", True)
    ]


def test_a_flow_with_everything_reachable_has_no_group():
    assert [node.kind for node in outline(parse(dean_devices()))] == ["device"]


def test_a_start_reached_from_another_start_is_a_reference_at_the_top():
    devices = [start("s1", ["n"], "s2"), start("s2", ["m"], "HANGUP")]

    roots = outline(parse(devices))

    assert [(node.target, node.seen_before) for node in roots] == [("s1", False), ("s2", True)]


def test_a_two_thousand_device_chain_outlines_without_recursion():
    devices = [start("s", ["n"], "q0")] + [
        other(f"q{i}", "QUEUE", "queue", onTimeout=f"q{i + 1}" if i < 1999 else "q0")
        for i in range(2000)
    ]

    nodes = list(walk(outline(parse(devices))))

    assert nodes[-1][0] == 2001
    assert (nodes[-1][1].target, nodes[-1][1].seen_before) == ("q0", True)


@settings(max_examples=200, deadline=None)
@given(device_lists)
def test_any_flow_outlines_every_device_exactly_once_expanded(devices):
    flow = parse(devices)

    expanded = [
        node.device_id
        for _, node in walk(outline(flow))
        if node.kind == "device" and not node.seen_before
    ]

    assert sorted(expanded) == sorted(flow.devices)
